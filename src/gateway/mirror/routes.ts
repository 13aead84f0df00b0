// GET /mirror: the live mirror's status as JSON (what is mirrored, what is missing and why, and
// since when); 404 on a gateway that mirrors nothing.
import type { RequestHandler } from 'express';
import { OciError } from '../errors/oci-error';
import type { Mirror } from './mirror';

export function mirrorRoutes(mirror: Mirror | undefined): RequestHandler {
  return (req, res, next) => {
    if (req.path !== '/mirror') return next();
    res.locals.route = 'mirror';
    if (!mirror) return next(new OciError('UNSUPPORTED', 'this gateway mirrors no space: start it with --mirror <space> (or run hcr mirror <space>)', { status: 404 }));
    if (req.method !== 'GET' && req.method !== 'HEAD') return next(new OciError('UNSUPPORTED', `${req.method} is not served on /mirror: GET it`));
    res.setHeader('Cache-Control', 'no-store');
    res.json(mirror.status());
  };
}
