// Serves the built page: hashed assets cached for good, index.html always revalidated, and a
// content security policy that allows only this origin (WebAssembly for the wallet crypto).
// A request the files cannot answer (an asset that is not there, a path that does not decode) is
// answered here in a line, never passed on: the static server's error names the file it looked
// for (where the server is installed) and, shown by Express's own handler, its stack.
import express, { type ErrorRequestHandler, type Router } from 'express';
import { join } from 'node:path';

const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Answers what the static files could not, in words that name no file; a server fault goes to the log. */
const pageFileError: ErrorRequestHandler = (error, req, res, _next) => {
  const status = (error as { status?: unknown } | undefined)?.status;
  const clientError = typeof status === 'number' && status >= 400 && status < 500;
  const code = clientError ? (status as number) : 500;
  if (!clientError) console.error(`web page: ${req.method} ${req.originalUrl}: ${(error as Error)?.stack ?? error}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.status(code).type('text/plain');
  res.send(
    code === 404
      ? 'Not found: the page\'s assets are named after their content and change with each build; reload the page.\n'
      : clientError
        ? 'The request for a page file could not be read: ask for the page at / with GET.\n'
        : 'The page\'s files could not be read on the server; try again, and tell the operator if it persists.\n',
  );
};

export function webPageRouter(root: string): Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  router.use('/assets', express.static(join(root, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }));
  router.use(express.static(root, { index: 'index.html', maxAge: 0 }));
  router.use(pageFileError);
  return router;
}
