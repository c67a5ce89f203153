/**
 * `stagedUploadsCreate` and the upload targets it hands out. Targets look like Shopify's signed
 * storage POST policies (url + form `parameters`, `key` naming the file); the fake serves them at
 * `POST /staged-uploads` (multipart/form-data, the file last) and `PUT /staged-uploads/<key>?sig=`.
 * A file's `key` is what `bulkOperationRunMutation(stagedUploadPath:)` takes.
 */
import { createHash } from 'node:crypto';

import type { FakeShopifyContext } from './schema.js';
import type { FakeShopifyStore, StagedUploadRecord, UserErrorData } from './store.js';
import { isoSeconds } from './time.js';

type Args = Record<string, unknown>;

export const STAGED_UPLOAD_PATH = '/staged-uploads';

/** Resources whose target needs the file size up front, as on Shopify. */
const SIZED_RESOURCES = new Set(['VIDEO', 'MODEL_3D']);

interface TargetData {
  url: string | null;
  resourceUrl: string | null;
  parameters: Array<{ name: string; value: string }>;
}

function text(input: Args, name: string): string {
  const value = input[name];
  return typeof value === 'string' ? value : '';
}

function compactDate(ms: number): string {
  return isoSeconds(ms).replace(/[-:]/g, '');
}

function targetOf(upload: StagedUploadRecord, base: string | null): TargetData {
  if (upload.httpMethod === 'PUT') {
    return {
      url: base === null ? null : `${base}${STAGED_UPLOAD_PATH}/${encodeURIComponent(upload.key)}?sig=${upload.signature}`,
      resourceUrl: base === null ? null : `${base}${STAGED_UPLOAD_PATH}/${encodeURIComponent(upload.key)}`,
      parameters: [{ name: 'content_type', value: upload.mimeType }],
    };
  }
  const date = compactDate(upload.createdAt);
  return {
    url: base === null ? null : `${base}${STAGED_UPLOAD_PATH}`,
    // Shopify returns no resourceUrl for bulk mutation variables: the key is the handle.
    resourceUrl: upload.resource === 'BULK_MUTATION_VARIABLES' || base === null ? null : `${base}${STAGED_UPLOAD_PATH}/${encodeURIComponent(upload.key)}`,
    parameters: [
      { name: 'Content-Type', value: upload.mimeType },
      { name: 'success_action_status', value: '201' },
      { name: 'acl', value: 'private' },
      { name: 'key', value: upload.key },
      { name: 'x-goog-date', value: date },
      { name: 'x-goog-credential', value: `fake-shopify-staged-uploads/${date.slice(0, 8)}/auto/storage/goog4_request` },
      { name: 'x-goog-algorithm', value: 'GOOG4-RSA-SHA256' },
      { name: 'x-goog-signature', value: upload.signature },
      { name: 'policy', value: Buffer.from(JSON.stringify({ conditions: [{ key: upload.key }] })).toString('base64') },
    ],
  };
}

/** Resolver for `stagedUploadsCreate(input:)`: one target per input, or userErrors and no targets. */
export function stagedUploadsCreate(ctx: FakeShopifyContext, args: Args): { stagedTargets: TargetData[] | null; userErrors: UserErrorData[] } {
  const inputs = Array.isArray(args.input) ? (args.input as Args[]) : [];
  const userErrors: UserErrorData[] = [];
  inputs.forEach((input, index) => {
    const at = (name: string): string[] => ['input', String(index), name];
    if (text(input, 'filename').trim() === '') userErrors.push({ field: at('filename'), message: "Filename can't be blank" });
    if (text(input, 'mimeType').trim() === '') userErrors.push({ field: at('mimeType'), message: "Mime type can't be blank" });
    const resource = text(input, 'resource');
    if (SIZED_RESOURCES.has(resource) && (input.fileSize === null || input.fileSize === undefined)) {
      userErrors.push({ field: at('fileSize'), message: `File size is required for ${resource} uploads` });
    }
  });
  if (userErrors.length > 0) {
    return { stagedTargets: null, userErrors };
  }
  const stagedTargets = inputs.map((input) => {
    const upload = ctx.store.createStagedUpload(ctx.state, {
      resource: text(input, 'resource'),
      filename: text(input, 'filename').trim(),
      mimeType: text(input, 'mimeType').trim(),
      httpMethod: input.httpMethod === 'POST' ? 'POST' : 'PUT',
    });
    const url = ctx.stagedUploadUrl(upload);
    return targetOf(upload, url === null ? null : url.slice(0, url.length - STAGED_UPLOAD_PATH.length));
  });
  return { stagedTargets, userErrors: [] };
}

export interface UploadResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function xmlError(status: number, code: string, message: string): UploadResponse {
  return {
    status,
    headers: { 'content-type': 'application/xml; charset=utf-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  };
}

interface FormPart {
  name: string;
  filename: string | null;
  value: string;
}

/** Minimal multipart/form-data reader: the fake only ever receives text (JSONL) files. */
export function parseMultipart(body: string, contentType: string): FormPart[] | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) return null;
  const parts: FormPart[] = [];
  for (const chunk of body.split(`--${marker}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const separator = chunk.indexOf('\r\n\r\n');
    if (separator === -1) return null;
    const head = chunk.slice(0, separator);
    const value = chunk.slice(separator + 4).replace(/\r\n$/, '');
    const disposition = /content-disposition:[^\r\n]*/i.exec(head)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) return null;
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? null;
    parts.push({ name, filename, value });
  }
  return parts;
}

function created(upload: StagedUploadRecord, location: string): UploadResponse {
  const etag = createHash('md5').update(upload.content ?? '').digest('hex');
  return {
    status: 201,
    headers: { 'content-type': 'application/xml; charset=utf-8', etag: `"${etag}"`, location },
    body:
      '<?xml version="1.0" encoding="UTF-8"?><PostResponse>' +
      `<Location>${location}</Location><Bucket>fake-shopify-staged-uploads</Bucket><Key>${upload.key}</Key><ETag>"${etag}"</ETag>` +
      '</PostResponse>',
  };
}

/** Serves the staged upload targets: a signed form POST, or a PUT to the signed URL. */
export function receiveUpload(store: FakeShopifyStore, method: string, url: URL, path: string, headers: Headers, body: string | null): UploadResponse {
  if (method === 'PUT' && path.startsWith(`${STAGED_UPLOAD_PATH}/`)) {
    const key = decodeURIComponent(path.slice(STAGED_UPLOAD_PATH.length + 1));
    const upload = store.receiveStagedUpload(key, url.searchParams.get('sig') ?? '', body ?? '');
    if (!upload) return xmlError(403, 'AccessDenied', 'Access denied.');
    return { status: 200, headers: { etag: `"${createHash('md5').update(body ?? '').digest('hex')}"` }, body: '' };
  }
  if (method !== 'POST' || path !== STAGED_UPLOAD_PATH) {
    return xmlError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  }
  const parts = parseMultipart(body ?? '', headers.get('content-type') ?? '');
  if (!parts) {
    return xmlError(400, 'InvalidArgument', 'POST requires exactly one file upload per request.');
  }
  const field = (name: string): string | undefined => parts.find((part) => part.name === name && part.filename === null)?.value;
  const file = parts.find((part) => part.name === 'file');
  const key = field('key');
  if (file === undefined || key === undefined) {
    return xmlError(400, 'InvalidArgument', 'POST requires exactly one file upload per request.');
  }
  const upload = store.receiveStagedUpload(key, field('x-goog-signature') ?? '', file.value);
  if (!upload) {
    return xmlError(403, 'AccessDenied', 'Invalid argument: the policy or signature does not match the key.');
  }
  return created(upload, `${url.origin}${STAGED_UPLOAD_PATH}/${encodeURIComponent(upload.key)}`);
}
