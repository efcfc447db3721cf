import { z } from 'zod';
import { PORT_TEXT } from '../config/fields.js';
import { TSIG_ALGORITHMS } from './tsig.js';

/** A DNS server: "host" or "host:port" (port 53 when omitted), IPv6 in brackets: "[::1]:5353". */
export const DnsServerAddress = z.string().regex(new RegExp(`^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+)(:${PORT_TEXT})?$`), {
  message: 'expected HOST or HOST:PORT (a port up to 65535), for example ns1.example.com, 127.0.0.1:5353 or [::1]:5353',
});

/** A zone name; a trailing dot is allowed and dropped, case is folded. */
export const ZoneName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, { message: 'expected a zone name such as example.com' })
  .transform((z) => z.toLowerCase().replace(/\.$/, ''));

const Base64Secret = z
  .string()
  .refine((s) => /^[A-Za-z0-9+/]+={0,2}$/.test(s) && s.length % 4 === 0, {
    message: 'expected the key secret in base64, as in the server\'s key file (secret "…";)',
  });

/** A TSIG key (RFC 8945) as the server's key file gives it: used for updates and zone transfers. */
export const TsigKeyConfig = z.strictObject({
  name: z.string().min(1, 'expected the key name as the server knows it'),
  algorithm: z.enum(TSIG_ALGORITHMS).default('hmac-sha256'),
  secret: Base64Secret,
});
export type TsigKeyConfig = z.infer<typeof TsigKeyConfig>;
