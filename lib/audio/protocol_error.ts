/**
 * The one error the pulse parsers throw: bytes that are not the pulse
 * native protocol, or that break a limit the guard keeps.
 *
 * @module
 */
import { QubesifyError } from "../errors/mod.ts";

/**
 * Malformed pulse native protocol (a bad frame or tagstruct), or a frame
 * over the guard's limits; the connection that sent it is closed.
 */
export class AudioProtocolError extends QubesifyError {}
