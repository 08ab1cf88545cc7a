/**
 * The end of a log that may be huge: a guest writes its serial console as
 * fast as it likes, and only the last lines matter for a failure message.
 *
 * @module
 */

/** How much of a log's end {@linkcode readLogTail} reads by default. */
export const LOG_TAIL_BYTES = 64 * 1024;

/**
 * The last `maxBytes` of the file at `path`, read from its end, as text;
 * a line cut at the start of that window is dropped.
 */
export async function readLogTail(
  path: string,
  maxBytes: number = LOG_TAIL_BYTES,
): Promise<string> {
  using file = await Deno.open(path);
  const { size } = await file.stat();
  const start = Math.max(0, size - maxBytes);
  await file.seek(start, Deno.SeekMode.Start);
  const buffer = new Uint8Array(Math.min(size, maxBytes));
  let filled = 0;
  while (filled < buffer.length) {
    const read = await file.read(buffer.subarray(filled));
    if (read === null) break;
    filled += read;
  }
  let bytes = buffer.subarray(0, filled);
  if (start > 0) {
    const newline = bytes.indexOf(0x0a);
    bytes = newline < 0
      ? bytes.subarray(bytes.length)
      : bytes.subarray(newline + 1);
  }
  return new TextDecoder().decode(bytes);
}

/**
 * The last `lines` lines of a VM's serial log, for a failure message;
 * empty when there is no log. Reads only the log's last 64 KiB.
 */
export async function readSerialTail(
  path: string,
  lines = 15,
): Promise<string> {
  const tail = await readLogTail(path).catch(() => "");
  return tail.split("\n").slice(-lines).join("\n");
}
