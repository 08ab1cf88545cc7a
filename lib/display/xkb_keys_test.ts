import assert from "node:assert/strict";
import { letterKeys } from "./xkb_keys.ts";

/** A keymap in the text form xkbcommon writes, cut to a few keys. */
function keymap(symbols: string): string {
  return `xkb_keymap {
xkb_keycodes "evdev+aliases(qwerty)" {
	minimum = 8;
	maximum = 255;
	<AB03>               = 54;
	<AB04>               = 55;
	<AD07>               = 30;
	<AB09>               = 60;
	<K1>                 = 9;
	alias <LatV>         = <AB04>;
	indicator 1 = "Caps Lock";
};
xkb_types "complete" {
	virtual_modifiers NumLock;
	type "ONE_LEVEL" { modifiers= none; };
};
xkb_symbols "pc+us+inet(evdev)" {
	name[group1]="English";
${symbols}
};
};
`;
}

Deno.test("letterKeys: a US layout has C and V where evdev names them", () => {
  const keys = letterKeys(
    keymap(
      `	key <AB03>               {	[               c,               C ] };
	key <AB04>               {	[               v,               V ] };`,
    ),
    ["c", "v"],
  );
  assert.deepEqual([...keys].sort(), [["c", 46], ["v", 47]]);
});

Deno.test("letterKeys: another layout moves the letters, and so the chords", () => {
  // Dvorak types j on the US C key, v on the US period key and c on US I.
  const keys = letterKeys(
    keymap(`	key <AB03> { type= "ALPHABETIC", symbols[Group1]= [ j, J ] };
	key <AB09> { type= "ALPHABETIC", symbols[Group1]= [ v, V ] };
	key <AD07> { type= "ALPHABETIC", symbols[Group1]= [ c, C ] };`),
    ["c", "v"],
  );
  assert.equal(keys.get("v"), 52);
  assert.equal(keys.get("c"), 22);
});

Deno.test("letterKeys: a virtual keyboard's own keymap (wtype) is read too", () => {
  const keys = letterKeys(keymap("key <K1> {[ v ]};"), ["v", "c"]);
  assert.deepEqual([...keys], [["v", 1]]);
});

Deno.test("letterKeys: a keymap without what is asked for, or no keymap, says nothing", () => {
  assert.equal(letterKeys("", ["c"]).size, 0);
  assert.equal(letterKeys("garbage { { <x> = ;", ["c"]).size, 0);
});
