/**
 * A small XML reader for Wayland protocol files: elements and their
 * attributes only. Text, comments, processing instructions, CDATA and the
 * document type are skipped; the generator needs names and signatures, never
 * prose.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";

/** A protocol file is not XML this reader understands. */
export class XmlError extends QubesifyError {}

/** One element: its name, attributes (entities decoded) and child elements. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
}

const NAME = /[A-Za-z_][A-Za-z0-9_.:-]*/y;
const ATTRIBUTE =
  /\s+([A-Za-z_][A-Za-z0-9_.:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
const TAG_END = /\s*(\/?)>/y;
const ENTITY =
  /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));/g;
const NAMED_ENTITIES: Record<string, string> = {
  lt: "<",
  gt: ">",
  amp: "&",
  quot: '"',
  apos: "'",
};

/**
 * Parses `text` and returns its root element.
 *
 * @param source Names the file in error messages.
 * @throws {XmlError} On anything malformed, with the line it is on.
 */
export function readXml(text: string, source: string): XmlElement {
  const fail = (at: number, what: string): never => {
    const line = text.slice(0, at).split("\n").length;
    throw new XmlError(`${source}:${line}: ${what}`);
  };
  const skipPast = (at: number, terminator: string, what: string): number => {
    const end = text.indexOf(terminator, at);
    if (end < 0) fail(at, `unterminated ${what}`);
    return end + terminator.length;
  };
  const stack: { element: ElementUnderConstruction; at: number }[] = [];
  let root: XmlElement | undefined;
  let at = 0;
  while (true) {
    const lt = text.indexOf("<", at);
    const textEnd = lt < 0 ? text.length : lt;
    if (stack.length === 0 && text.slice(at, textEnd).trim() !== "") {
      fail(at, "text outside the root element");
    }
    if (lt < 0) break;
    at = lt;
    if (text.startsWith("<!--", at)) {
      at = skipPast(at + 4, "-->", "comment");
    } else if (text.startsWith("<![CDATA[", at)) {
      at = skipPast(at + 9, "]]>", "CDATA section");
    } else if (text.startsWith("<?", at)) {
      at = skipPast(at + 2, "?>", "processing instruction");
    } else if (text.startsWith("<!", at)) {
      // A document type declaration; protocol files carry no internal subset.
      at = skipPast(at + 2, ">", "declaration");
    } else if (text.startsWith("</", at)) {
      const name = matchAt(NAME, text, at + 2) ?? fail(at, "bad closing tag");
      const end = at + 2 + name.length;
      const close = /\s*>/y;
      close.lastIndex = end;
      if (!close.test(text)) fail(at, `bad closing tag </${name}`);
      const open = stack.pop()?.element;
      if (open?.name !== name) {
        fail(at, `</${name}> closes ${open ? `<${open.name}>` : "nothing"}`);
      }
      at = close.lastIndex;
      root = attach(stack, open!, root, at, fail);
    } else {
      const name = matchAt(NAME, text, at + 1) ?? fail(at, "bad tag");
      at += 1 + name.length;
      const attributes = new Map<string, string>();
      while (true) {
        ATTRIBUTE.lastIndex = at;
        const match = ATTRIBUTE.exec(text);
        if (!match) break;
        if (attributes.has(match[1])) {
          fail(at, `<${name}> repeats attribute ${match[1]}`);
        }
        const raw = match[2] ?? match[3];
        attributes.set(
          match[1],
          decodeEntities(raw, () => fail(at, "bad entity")),
        );
        at = ATTRIBUTE.lastIndex;
      }
      TAG_END.lastIndex = at;
      const end = TAG_END.exec(text) ?? fail(at, `bad attribute in <${name}>`);
      at = TAG_END.lastIndex;
      if (end[1] === "/") {
        root = attach(
          stack,
          { name, attributes, children: [] },
          root,
          at,
          fail,
        );
      } else {
        stack.push({ element: { name, attributes, children: [] }, at: lt });
      }
    }
  }
  if (stack.length > 0) {
    const open = stack[stack.length - 1];
    fail(open.at, `<${open.element.name}> is never closed`);
  }
  return root ?? fail(0, "no root element");
}

interface ElementUnderConstruction extends XmlElement {
  readonly children: XmlElement[];
}

function attach(
  stack: { element: ElementUnderConstruction }[],
  element: XmlElement,
  root: XmlElement | undefined,
  at: number,
  fail: (at: number, what: string) => never,
): XmlElement | undefined {
  const parent = stack[stack.length - 1]?.element;
  if (parent) {
    parent.children.push(element);
    return root;
  }
  if (root) fail(at, "a second root element");
  return element;
}

function matchAt(
  pattern: RegExp,
  text: string,
  at: number,
): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}

function decodeEntities(raw: string, fail: () => never): string {
  const decoded = raw.replace(ENTITY, (_, named, decimal, hex) => {
    if (named) return NAMED_ENTITIES[named];
    const code = decimal ? Number(decimal) : parseInt(hex, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : fail();
  });
  // An ampersand that began no known entity.
  if (raw.replace(ENTITY, "").includes("&")) fail();
  return decoded;
}
