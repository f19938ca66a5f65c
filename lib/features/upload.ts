// Upload routes: multipart/form-data parsed as it streams in (busboy), with limits on file size, file
// count, field count and field size. The handler gets the files; the text fields land in req.body.
import busboy from 'busboy';
import type { Writable } from 'node:stream';
import type { Settings } from '../settings/index';
import { BodyPieces } from '../transport/body-pieces';
import type { Handler, HandlerResult, Request, ResponseInit } from '../http/types';
import type { RouteMeta } from '../http/route-info';
import { ErrorCode, KrozenTypeError } from '../base/errors';
import { ValidationError } from '../http/http-error';
import type { Validator } from '../schema/validator';
import { logError } from '../base/logger';
import {
  pumpInSlabs,
  createTempFile,
  ensureUploadDir,
  removeTempFile,
  type DiskFile,
  type TempFile,
  type UploadFileInfo,
  type UploadStorage,
} from './upload-storage';

export type {
  DiskFile,
  FileFor,
  MemoryFile,
  StreamedFile,
  UploadFileInfo,
  UploadSink,
  UploadStorage,
} from './upload-storage';

/** The files a handler gets with the default storage ('disk'). */
export type UploadedFile = DiskFile;

/** app.upload's options: a route's (schema.body checks the text fields) and where the files go. */
export interface UploadOptions<S extends UploadStorage = 'disk'> extends RouteMeta {
  /** 'disk' (default): temporary files in settings.uploadDir; 'memory': a Buffer each; or your Writable. */
  storage?: S;
}

/** The text fields of the form: a repeated name keeps its last value (like the query string). */
export type UploadFields = Record<string, string>;

export type UploadHandler<F = DiskFile> = (files: F[], req: Request) => HandlerResult | Promise<HandlerResult>;

/** Why an upload was refused before the handler ran. */
class UploadRejection {
  constructor(
    readonly status: number,
    readonly message: string,
  ) {}
}

const MULTIPART = /^multipart\/form-data\s*(;|$)/i;

/** What readMultipart hands back: the files (of the storage's kind) and the text fields. */
interface Parsed {
  files: unknown[];
  fields: UploadFields;
}

/**
 * A route handler (register it with `{ rawBody: true }`) that reads req.raw as multipart/form-data, stores
 * each file as `storage` says, and calls `handler(files, req)` with req.body set to the text fields
 * (checked by `fields`, the route's schema.body, when it has one: 400 with the issues). Refusals: not
 * multipart → 400, malformed → 400, a limit crossed → 413, a file that cannot be stored → 500; the rest
 * of the body is not read and the connection is closed after the answer (`connection: close`), so a huge
 * body costs neither memory nor a hung socket. Temporary files are removed on a refusal and after the
 * handler (unless kept).
 */
export function createUploadHandler<F>(
  settings: Settings,
  handler: UploadHandler<F>,
  fields?: Validator,
  storage: UploadStorage = 'disk',
): Handler {
  if (typeof handler !== 'function')
    throw new KrozenTypeError(ErrorCode.INVALID_HANDLER, 'upload handler must be a function');
  if (storage !== 'disk' && storage !== 'memory' && typeof storage !== 'function') {
    throw new KrozenTypeError(
      ErrorCode.INVALID_OPTION,
      `upload storage must be 'disk', 'memory' or a function returning a Writable, got ${JSON.stringify(storage)}`,
    );
  }

  return async function handleUpload(req: Request): Promise<HandlerResult> {
    const contentType = req.headers['content-type'];
    if (contentType === undefined || !MULTIPART.test(contentType)) {
      return refuse(req, new UploadRejection(400, 'Expected multipart/form-data'));
    }
    if (storage === 'disk') {
      try {
        await ensureUploadDir(settings.uploadDir);
      } catch (err) {
        return refuse(req, storeFailure(settings, err));
      }
    }
    const temps: TempFile[] = [];
    let parsed: Parsed;
    try {
      parsed = await readMultipart(req, settings, storage, temps);
    } catch (err) {
      await removeAll(temps);
      if (err instanceof UploadRejection) return refuse(req, err);
      throw err;
    }
    try {
      req.body = parsed.fields;
      if (fields !== undefined) {
        // The route's schema.body checks the text fields (strings: a JSON Schema coerces them).
        const result = await fields(parsed.fields);
        if (result.issues !== undefined) throw new ValidationError(result.issues);
        req.body = result.value;
      }
      return await handler(parsed.files as F[], req);
    } finally {
      // Awaited: when the answer goes out, the files the handler did not keep are gone.
      await removeAll(temps.filter((t) => !t.kept));
    }
  };
}

function removeAll(temps: TempFile[]): Promise<unknown> {
  return Promise.all(temps.map(removeTempFile));
}

/** A destination that failed (disk full, no permission, the route's Writable erred): logged, 500. */
function storeFailure(settings: Settings, err: unknown): UploadRejection {
  logError(settings.logger, 'upload: a file could not be stored', err);
  return new UploadRejection(500, 'Upload could not be stored');
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

function readMultipart(req: Request, settings: Settings, storage: UploadStorage, temps: TempFile[]): Promise<Parsed> {
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

    const files: unknown[] = [];
    const fields: UploadFields = Object.create(null);
    const sinks: Writable[] = [];
    let settled = false;
    let openFiles = 0;
    let parserFinished = false;
    let total = 0;

    const cleanup = (): void => {
      raw.off('aborted', onAborted);
      raw.off('error', onAborted);
      raw.off('close', onClose);
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
        const reason = new Error(err instanceof UploadRejection ? err.message : 'Upload failed');
        for (const sink of sinks) if (!sink.writableFinished) sink.destroy(reason);
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
    const onClose = (): void => {
      if (!raw.readableEnded) onAborted();
    };

    parser.on('file', (fieldname, stream, info) => {
      openFiles++;
      // Files finish in any order (a small one before a big one is on disk): each keeps its part's place.
      const slot = files.push(undefined) - 1;
      const meta: UploadFileInfo = { fieldname, filename: info.filename ?? '', contentType: info.mimeType };
      let size = 0;
      const finished = (file: unknown): void => {
        openFiles--;
        if (settled) return;
        files[slot] = file;
        maybeDone();
      };
      stream.on('limit', () => fail(new UploadRejection(413, 'File too large')));
      stream.on('error', (err) => fail(new UploadRejection(400, malformedMessage(err))));
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        total += chunk.length;
        if (total > settings.uploadMaxTotalSize) fail(new UploadRejection(413, 'Upload too large'));
      });
      if (storage === 'memory') {
        // Coalesced: a file sent in 1-byte chunks is not a Buffer per byte (node:http makes one per chunk).
        const content = new BodyPieces(settings.uploadMaxFileSize + 1);
        stream.on('data', (chunk: Buffer) => {
          if (!settled) content.add(chunk);
        });
        stream.on('end', () => finished({ ...meta, size, content: settled ? Buffer.alloc(0) : content.join() }));
        return;
      }
      let dest: Writable;
      let temp: TempFile | undefined;
      if (storage === 'disk') {
        temp = createTempFile(settings.uploadDir);
        temps.push(temp);
        dest = temp.stream;
      } else {
        try {
          dest = storage(meta, req);
        } catch (err) {
          stream.resume();
          return fail(storeFailure(settings, err));
        }
        sinks.push(dest);
      }
      // Backpressure both ways, and the part's stream is released if the destination fails.
      pumpInSlabs(stream, dest, (err) => {
        if (err) {
          if (!settled) fail(storeFailure(settings, err));
          return;
        }
        finished(temp === undefined ? { ...meta, size } : diskFile(meta, size, temp));
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
    raw.on('error', onAborted);
    raw.on('close', onClose);
    raw.pipe(parser);
  });
}

function diskFile(meta: UploadFileInfo, size: number, temp: TempFile): DiskFile {
  return {
    ...meta,
    size,
    path: temp.path,
    keep() {
      temp.kept = true;
    },
  };
}

function malformedMessage(err: unknown): string {
  const detail = err instanceof Error && err.message ? `: ${err.message}` : '';
  return `Malformed multipart/form-data${detail}`;
}
