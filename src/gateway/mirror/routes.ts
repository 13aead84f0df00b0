// GET /mirror: the live mirror's status as JSON (what is mirrored, what is missing and why, and
// since when), its tags a page at a time (status-page.ts); 404 on a gateway that mirrors nothing. Where anonymous pulls are off it is
// answered with a token only, as GET /v2/ is: what a gateway keeps is its operator's business.
import type { RequestHandler } from 'express';
import type { AccessGuard } from '../auth/access-guard';
import { OciError } from '../errors/oci-error';
import type { Mirror } from './mirror';
import { pageQuery, statusPage } from './status-page';

export function mirrorRoutes(mirror: Mirror | undefined, access: AccessGuard): RequestHandler {
  return (req, res, next) => {
    if (req.path !== '/mirror') return next();
    res.locals.route = 'mirror';
    try {
      if (!access.auth.anonymousPull) access.requireToken(req);
    } catch (error) {
      return next(error);
    }
    if (!mirror) return next(new OciError('UNSUPPORTED', 'this gateway mirrors no space: start it with --mirror <space> (or run hcr mirror <space>)', { status: 404 }));
    if (req.method !== 'GET' && req.method !== 'HEAD') return next(new OciError('UNSUPPORTED', `${req.method} is not served on /mirror: GET it`));
    let page: ReturnType<typeof statusPage>;
    try {
      page = statusPage(mirror.status(), pageQuery(req.query as Record<string, unknown>));
    } catch (error) {
      return next(error);
    }
    res.setHeader('Cache-Control', 'no-store');
    if (page.next) res.setHeader('Link', `<${page.next}>; rel="next"`);
    res.json(page);
  };
}
