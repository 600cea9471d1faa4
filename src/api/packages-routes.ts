// VNF package routes beyond the collection's: create (JSON, or the CSAR itself), upload the
// content (the CSAR as the body, or as SOL005's multipart package_content), and read it back.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { Router, type Request, type Response } from 'express';
import { AppError, notFound } from '../errors.js';
import type { Json, Resource } from '../model.js';
import type { UseCases } from '../usecases/index.js';
import { parse } from './problem.js';
import { resourceJson } from './responses.js';
import type { DriverOptions } from './resources-routes.js';
import { createBody, IdParam, PackageQuery } from './schemas.js';

const ZIP = ['application/zip', 'application/x-zip-compressed', 'application/octet-stream'];
const isZip = (req: Request) =>
  ZIP.includes(
    String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim(),
  );
const isMultipart = (req: Request) => /^multipart\/form-data/i.test(String(req.headers['content-type'] ?? ''));

const unsupported = (what: string) => new AppError('unsupported-media-type', 415, what);

/** Refuse at once a body whose declared length is over the limit (nothing of it is read). */
function checkLength(req: Request, res: Response, maxBytes: number): void {
  const len = Number(req.headers['content-length']);
  if (Number.isFinite(len) && len > maxBytes) {
    res.setHeader('Connection', 'close');
    throw new AppError('too-large', 413, `the package is larger than ${maxBytes} bytes (PACKAGE_MAX_BYTES)`);
  }
}

/** The one file part of a multipart/form-data body, as a stream (SOL005's package_content upload). */
function filePart(req: IncomingMessage): Promise<Readable> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 64 * 1024 } });
    } catch (err) {
      return reject(new AppError('bad-request', 400, `multipart body: ${(err as Error).message}`));
    }
    let found = false;
    bb.on('file', (_name, stream) => {
      if (found) return stream.resume();
      found = true;
      resolve(stream);
    });
    bb.on('error', (err) =>
      found ? undefined : reject(new AppError('bad-request', 400, `multipart body: ${(err as Error).message}`)),
    );
    bb.on('close', () => {
      if (!found) reject(new AppError('invalid-body', 422, 'multipart body: no file part (send the CSAR as a file)'));
    });
    req.pipe(bb);
  });
}

const idOf = (req: Request) => {
  const r = IdParam.safeParse(req.params.id);
  if (!r.success) throw notFound(`vnf_package ${String(req.params.id).slice(0, 64)}`);
  return r.data;
};

const accepted = (res: Response, r: Resource) =>
  res.status(202).location(`/v1/vnf-packages/${r.id}`).json(resourceJson(r));

export function makePackageRoutes(deps: { uc: UseCases; driverOptions: DriverOptions; maxBytes: number }): Router {
  const { uc, driverOptions } = deps;
  const router = Router();
  const jsonBody = createBody('vnf_package', driverOptions);

  router.post('/vnf-packages', async (req, res) => {
    if (isZip(req)) {
      const q = parse(PackageQuery, req.query, 'query');
      checkLength(req, res, deps.maxBytes);
      return accepted(res, await uc.packages.createWithContent(req, { name: q.name, options: null }));
    }
    if (req.body === undefined) throw unsupported('send the body as application/json, or the CSAR as application/zip');
    const body = parse(jsonBody, req.body) as { name?: string; userDefinedData?: Json } & Json;
    const options = driverOptions ? ((body[driverOptions.field] as Json | undefined) ?? null) : null;
    const properties = body.userDefinedData ? { userDefinedData: body.userDefinedData } : {};
    accepted(res, await uc.create({ type: 'vnf_package', name: body.name ?? '', properties, options }));
  });

  router.put('/vnf-packages/:id/content', async (req, res) => {
    const id = idOf(req);
    if (!isZip(req) && !isMultipart(req))
      throw unsupported('send the CSAR as application/zip, or as multipart/form-data');
    checkLength(req, res, deps.maxBytes);
    const body = isMultipart(req) ? await filePart(req) : req;
    accepted(res, await uc.packages.upload(id, body));
  });

  router.get('/vnf-packages/:id/content', async (req, res) => {
    const { stream, sizeBytes } = await uc.packages.content(idOf(req));
    res.status(200).type('application/zip').setHeader('Content-Length', String(sizeBytes));
    stream.on('error', () => res.destroy()).pipe(res);
  });

  router.get('/vnf-packages/:id/vnfd', async (req, res) => {
    const { stream, size } = await uc.packages.vnfd(idOf(req));
    res.status(200).type('application/yaml').setHeader('Content-Length', String(size));
    stream.on('error', () => res.destroy()).pipe(res);
  });

  router.get('/vnf-packages/:id/artifacts/*path', async (req, res) => {
    const parts = (req.params as { path?: string[] | string }).path;
    const path = Array.isArray(parts) ? parts.join('/') : String(parts ?? '');
    const { stream, size } = await uc.packages.file(idOf(req), path);
    res.status(200).type('application/octet-stream').setHeader('Content-Length', String(size));
    stream.on('error', () => res.destroy()).pipe(res);
  });

  return router;
}
