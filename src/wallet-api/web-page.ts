// Serves the built page: hashed assets cached for good, index.html always revalidated, and a
// content security policy that allows only this origin (WebAssembly for the wallet crypto).
import express, { type Router } from 'express';
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
  return router;
}
