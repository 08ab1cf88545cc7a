import assert from "node:assert/strict";
import { blockedBy, emptyBlocklist, parseBlocklist } from "./blocklist.ts";

const LIST = `# Pi-hole style list
0.0.0.0 ads.example
127.0.0.1 tracker.example other.example # two names
:: v6.example
plain.example
||subtree.example^
! adblock comment
||with-options.example^$third-party
[Adblock Plus 2.0]
not a domain line at all
UPPER.Example
`;

Deno.test("block lists: hosts lines, plain domains and ||domain^", () => {
  const list = parseBlocklist(LIST, "ads.txt");
  assert.deepEqual(blockedBy(list, "ads.example"), {
    file: "ads.txt",
    line: 2,
  });
  assert.equal(blockedBy(list, "other.example")?.line, 3);
  assert.equal(blockedBy(list, "v6.example")?.line, 4);
  assert.equal(blockedBy(list, "plain.example")?.line, 5);
  assert.equal(blockedBy(list, "upper.example")?.line, 11);
  // Exact entries do not cover subdomains; ||name^ entries do.
  assert.equal(blockedBy(list, "sub.ads.example"), undefined);
  assert.equal(blockedBy(list, "subtree.example")?.line, 6);
  assert.equal(blockedBy(list, "a.b.subtree.example")?.line, 6);
  assert.equal(blockedBy(list, "notsubtree.example"), undefined);
  assert.equal(blockedBy(list, "with-options.example"), undefined);
  assert.equal(list.ignored, 2);
});

Deno.test("block lists merge; the first source of a name wins", () => {
  const list = emptyBlocklist();
  parseBlocklist("a.example\n", "one.txt", list);
  parseBlocklist("\na.example\nb.example\n", "two.txt", list);
  assert.deepEqual(blockedBy(list, "a.example"), { file: "one.txt", line: 1 });
  assert.deepEqual(blockedBy(list, "b.example"), { file: "two.txt", line: 3 });
});
