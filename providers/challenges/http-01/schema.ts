import { z } from 'zod';
import { FilePath, HostPort } from '../../../src/config/fields.js';

/**
 * http-01: either certloop listens itself (`listen`), or it writes the token files under a web
 * server's document root (`webroot`), as certbot's webroot plug-in does.
 */
export const Http01Config = z
  .strictObject({
    type: z.literal('http-01'),
    listen: HostPort.optional(),
    webroot: FilePath.optional(),
  })
  .refine((c) => (c.listen === undefined) !== (c.webroot === undefined), {
    message: 'http-01 needs exactly one of listen (HOST:PORT to serve the challenge on) or webroot (a directory)',
  });
export type Http01Config = z.infer<typeof Http01Config>;
