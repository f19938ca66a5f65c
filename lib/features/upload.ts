// Upload routes: multipart/form-data parsed as it streams in (busboy), with limits on file size, file
// count, field count and field size. The handler gets the files; the text fields land in req.body.
import busboy from 'busboy';
import type { Settings } from '../settings/index';
import { BodyPieces } from '../transport/body-pieces';
import type { Handler, HandlerResult, Request, ResponseInit } from '../http/types';
import { ErrorCode, KrozenTypeError } from '../base/errors';
import { ValidationError } from '../http/http-error';
import type { Validator } from '../schema/validator';

export interface UploadedFile {
  /** The form field the file came in. */
  fieldname: string;
  /** The client's file name (untrusted: never use it as a path as is). */
  filename: string;
  /** The part's Content-Type (text/plain when the client sent none: RFC 7578's default). */
  contentType: string;
  size: number;
  content: Buffer;
}

/** The text fields of the form: a repeated name keeps its last value (like the query string). */
export type UploadFields = Record<string, string>;

export type UploadHandler = (files: UploadedFile[], req: Request) => HandlerResult | Promise<HandlerResult>;

/** Why an upload was refused before the handler ran. */
class UploadRejection {
  constructor(
    readonly status: number,
    readonly message: string,
  ) {}
}

const MULTIPART = /^multipart\/form-data\s*(;|$)/i;

/**
 * A route handler (register it with `{ rawBody: true }`) that reads req.raw as multipart/form-data and
 * calls `handler(files, req)` with req.body set to the text fields (checked by `fields`, the route's
 * schema.body, when it has one: 400 with the issues). Refusals: not multipart → 400,
 * malformed → 400, a limit crossed → 413; the rest of the body is not read and the connection is closed
 * after the answer (`connection: close`), so a huge body costs neither memory nor a hung socket.
 */
export function createUploadHandler(settings: Settings, handler: UploadHandler, fields?: Validator): Handler {
  if (typeof handler !== 'function')
    throw new KrozenTypeError(ErrorCode.INVALID_HANDLER, 'upload handler must be a function');

  return async function handleUpload(req: Request): Promise<HandlerResult> {
    const contentType = req.headers['content-type'];
    if (contentType === undefined || !MULTIPART.test(contentType)) {
      return refuse(req, new UploadRejection(400, 'Expected multipart/form-data'));
    }
    let parsed: { files: UploadedFile[]; fields: UploadFields };
    try {
      parsed = await readMultipart(req, settings);
    } catch (err) {
      if (err instanceof UploadRejection) return refuse(req, err);
      throw err;
    }
    req.body = parsed.fields;
    if (fields !== undefined) {
      // The route's schema.body checks the text fields (strings: a JSON Schema coerces them).
      const result = await fields(parsed.fields);
      if (result.issues !== undefined) throw new ValidationError(result.issues);
      req.body = result.value;
    }
    return handler(parsed.files, req);
  };
}

/** The error response; the unread rest of the body is discarded and the connection closed after it. */
function refuse(req: Request, rejection: UploadRejection): ResponseInit {
  const raw = req.raw;
  if (!raw.readableEnded) {
    // Discard, don't stop: a peer whose bytes are left unread gets a TCP reset that can eat our answer.
    raw.resume();
  }
  return { status: rejection.status, body: { error: rejection.message }, headers: { connection: 'close' } };
}

function readMultipart(req: Request, settings: Settings): Promise<{ files: UploadedFile[]; fields: UploadFields }> {
  return new Promise((resolve, reject) => {
    const raw = req.raw;
    if (raw.readableEnded) {
      reject(new Error('upload route: the request body was already read (register the route with rawBody: true)'));
      return;
    }
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // busboy flags a file, field or part count that *reaches* these limits; +1 makes "at most N" allowed.
        // files and fields are flagged only when exceeded.
        limits: {
          fileSize: settings.uploadMaxFileSize + 1,
          files: settings.uploadMaxFiles,
          fields: settings.uploadMaxFields,
          fieldSize: settings.uploadMaxFieldSize + 1,
          parts: settings.uploadMaxFiles + settings.uploadMaxFields + 1,
        },
      });
    } catch {
      // e.g. "Multipart: Boundary not found"
      reject(new UploadRejection(400, 'Malformed multipart/form-data'));
      return;
    }

    const files: UploadedFile[] = [];
    const fields: UploadFields = Object.create(null);
    let settled = false;
    let openFiles = 0;
    let parserFinished = false;

    const cleanup = (): void => {
      raw.off('aborted', onAborted);
      raw.off('error', onRawError);
      raw.unpipe(parser);
    };
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      cleanup();
      // Limit events fire in the middle of busboy's write(): destroying it there makes busboy throw.
      setImmediate(() => {
        parser.removeAllListeners();
        parser.on('error', () => {}); // late errors from the torn-down parser go nowhere
        parser.destroy();
      });
      reject(err);
    };
    const maybeDone = (): void => {
      if (settled || !parserFinished || openFiles > 0) return;
      settled = true;
      cleanup();
      resolve({ files, fields });
    };
    const onAborted = (): void => fail(new UploadRejection(400, 'Upload aborted'));
    const onRawError = (): void => fail(new UploadRejection(400, 'Upload aborted'));

    parser.on('file', (fieldname, stream, info) => {
      openFiles++;
      // Coalesced: a file sent in 1-byte chunks is not a Buffer per byte (node:http makes one per chunk).
      const content = new BodyPieces(settings.uploadMaxFileSize + 1);
      stream.on('data', (chunk: Buffer) => {
        if (settled) return;
        content.add(chunk);
      });
      stream.on('limit', () => fail(new UploadRejection(413, 'File too large')));
      stream.on('error', (err) => fail(new UploadRejection(400, malformedMessage(err))));
      stream.on('end', () => {
        openFiles--;
        if (settled) return;
        const size = content.size;
        files.push({
          fieldname,
          filename: info.filename ?? '',
          contentType: info.mimeType,
          size,
          content: content.join(),
        });
        maybeDone();
      });
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(new UploadRejection(413, 'Field too large'));
      if (info.nameTruncated) return fail(new UploadRejection(413, 'Field name too long'));
      fields[name] = value;
    });
    parser.on('filesLimit', () => fail(new UploadRejection(413, 'Too many files')));
    parser.on('fieldsLimit', () => fail(new UploadRejection(413, 'Too many fields')));
    parser.on('partsLimit', () => fail(new UploadRejection(413, 'Too many parts')));
    parser.on('error', (err) => fail(new UploadRejection(400, malformedMessage(err))));
    parser.on('close', () => {
      parserFinished = true;
      maybeDone();
    });

    raw.on('aborted', onAborted);
    raw.on('error', onRawError);
    raw.pipe(parser);
  });
}

function malformedMessage(err: unknown): string {
  const detail = err instanceof Error && err.message ? `: ${err.message}` : '';
  return `Malformed multipart/form-data${detail}`;
}
