// Integration tokens: made at random, shown once, stored only as a SHA-256 hash, and compared in
// constant time. A request carries one as a bearer token or as the password of HTTP basic auth.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A new token (32 random bytes, base64url) and the hash that is stored. */
export function newToken(): { token: string; hash: string } {
  const token = `ibt_${randomBytes(32).toString("base64url")}`;
  return { token, hash: hashToken(token) };
}

export const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");

/** The token an Authorization header carries (`Bearer <token>`, or basic auth's password); null when none. */
export function presentedToken(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const [scheme, value] = authorization.trim().split(/\s+/, 2);
  if (!value) return null;
  if (/^bearer$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : null;
  }
  return null;
}

/** Whether `presented` is the token whose hash is stored (the same work whatever the answer). */
export function tokenMatches(storedHash: string | null, presented: string | null): boolean {
  const given = Buffer.from(hashToken(presented ?? ""), "hex");
  const stored = Buffer.from(storedHash && /^[0-9a-f]{64}$/.test(storedHash) ? storedHash : "0".repeat(64), "hex");
  return timingSafeEqual(given, stored) && storedHash !== null && presented !== null;
}
