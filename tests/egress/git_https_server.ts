/**
 * A test web server for the egress tests, run inside the test's "internet"
 * network namespace: git's smart HTTP (`git http-backend` as CGI) and a
 * `/hello` page over HTTPS, and `/hello` over plain HTTP.
 *
 * Usage: deno run -A git_https_server.ts ADDRESS CERT KEY GIT_ROOT READY_FILE
 */

/** Runs one CGI request through git http-backend. */
async function gitBackend(
  request: Request,
  projectRoot: string,
  remote: string,
): Promise<Response> {
  const url = new URL(request.url);
  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    REQUEST_METHOD: request.method,
    REMOTE_ADDR: remote,
    CONTENT_TYPE: request.headers.get("content-type") ?? "",
  };
  const encoding = request.headers.get("content-encoding");
  if (encoding) env.HTTP_CONTENT_ENCODING = encoding;
  const protocol = request.headers.get("git-protocol");
  if (protocol) env.GIT_PROTOCOL = protocol;
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.length > 0) env.CONTENT_LENGTH = String(body.length);
  const child = new Deno.Command("git", {
    args: ["http-backend"],
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(body);
  await writer.close();
  const { stdout } = await child.output();
  // CGI output: header lines, a blank line, the body.
  let split = -1;
  for (let i = 0; i + 1 < stdout.length; i++) {
    if (stdout[i] === 10 && stdout[i + 1] === 10) {
      split = i + 2;
      break;
    }
    if (
      stdout[i] === 13 && stdout[i + 1] === 10 && stdout[i + 2] === 13 &&
      stdout[i + 3] === 10
    ) {
      split = i + 4;
      break;
    }
  }
  if (split < 0) return new Response("bad CGI output\n", { status: 500 });
  const head = new TextDecoder().decode(stdout.subarray(0, split)).trim();
  const headers = new Headers();
  let status = 200;
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") status = parseInt(value, 10);
    else headers.append(name, value);
  }
  return new Response(stdout.slice(split), { status, headers });
}

function handler(projectRoot: string) {
  return (request: Request, info: Deno.ServeHandlerInfo): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname === "/hello") {
      return Promise.resolve(
        new Response(`hello from ${url.hostname}\n`),
      );
    }
    const remote = info.remoteAddr.transport === "tcp"
      ? info.remoteAddr.hostname
      : "";
    return gitBackend(request, projectRoot, remote);
  };
}

if (import.meta.main) {
  const [address, cert, key, root, ready] = Deno.args;
  const onListen = () => {};
  const secure = Deno.serve({
    hostname: address,
    port: 443,
    cert: await Deno.readTextFile(cert),
    key: await Deno.readTextFile(key),
    onListen,
  }, handler(root));
  const plain = Deno.serve(
    { hostname: address, port: 80, onListen },
    handler(root),
  );
  await Deno.writeTextFile(ready, "ready\n");
  const stop = () => {
    secure.shutdown();
    plain.shutdown();
  };
  Deno.addSignalListener("SIGTERM", stop);
  await Promise.all([secure.finished, plain.finished]);
  Deno.removeSignalListener("SIGTERM", stop);
}
