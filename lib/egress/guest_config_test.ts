import assert from "node:assert/strict";
import { renderGuestProxyConfig } from "./guest_config.ts";

Deno.test("guest proxy configuration for 127.0.0.1:3128", () => {
  const config = renderGuestProxyConfig();
  assert.deepEqual(config.environment, {
    http_proxy: "http://127.0.0.1:3128",
    https_proxy: "http://127.0.0.1:3128",
    HTTP_PROXY: "http://127.0.0.1:3128",
    HTTPS_PROXY: "http://127.0.0.1:3128",
    no_proxy: "localhost,127.0.0.1,::1",
    NO_PROXY: "localhost,127.0.0.1,::1",
  });
  const files = Object.fromEntries(
    config.files.map((f) => [f.path, f.content]),
  );
  assert.equal(
    files["/etc/apt/apt.conf.d/80qubesify-proxy"],
    'Acquire::http::Proxy "http://127.0.0.1:3128";\nAcquire::https::Proxy "http://127.0.0.1:3128";\n',
  );
  assert.equal(
    files["/etc/gitconfig"],
    "[http]\n\tproxy = http://127.0.0.1:3128\n",
  );
  assert.equal(
    files["/etc/ssh/ssh_config.d/80-qubesify-proxy.conf"],
    "Host *\n\tProxyCommand nc -X connect -x 127.0.0.1:3128 %h %p\n",
  );
});

Deno.test("guest proxy configuration elsewhere, and bad input", () => {
  const config = renderGuestProxyConfig({ host: "::1", port: 8080 });
  assert.equal(config.environment.https_proxy, "http://[::1]:8080");
  assert.throws(() => renderGuestProxyConfig({ port: 0 }), /from 1 to 65535/);
  assert.throws(
    () => renderGuestProxyConfig({ host: "a b\n" }),
    /must be an address or host name/,
  );
});
