/* Offline verification of Fangyi health passes in the browser, the same checks as
 * fangyi.healthpass.offline.Verifier on the server, with the same result codes.
 *
 * A pass is "FY1:" + Base45(zlib(COSE_Sign1)): tag 18 over [protected bstr {1: -7, 4: kid}, {},
 * payload bstr, signature r||s], the payload {2: subject, 6: iat, 4: exp, -70000: {"c": colour,
 * "n": masked name}}, signed with ES256 over the Sig_structure ["Signature1", protected, h'', payload].
 * Inflating needs DecompressionStream and the signature WebCrypto, which browsers offer only on
 * secure origins (https, localhost): FangyiPass.supported() says whether this page has both. */
(function () {
  "use strict";

  const PREFIX = "FY1:";
  const COLOURS = ["green", "yellow", "red"];
  const BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  // As on the server: a QR code holds under 3 KB, anything inflating past this is hostile.
  const MAX_INFLATED_BYTES = 1 << 20;
  const MAX_CBOR_DEPTH = 32;
  const COSE_SIGN1_TAG = 18;
  const ALG_ES256 = -7;
  const CLAIM_SUBJECT = 2;
  const CLAIM_ISSUED_AT = 6;
  const CLAIM_EXPIRES_AT = 4;
  const CLAIM_PASS = -70000;

  class Failure extends Error {}

  class Tagged {
    constructor(tag, value) {
      this.tag = tag;
      this.value = value;
    }
  }

  function supported() {
    return Boolean(
      window.isSecureContext && window.crypto && window.crypto.subtle && window.DecompressionStream,
    );
  }

  function base45Decode(text) {
    const digits = [];
    for (const char of text) {
      const digit = BASE45.indexOf(char);
      if (digit < 0) {
        throw new Failure("not Base45");
      }
      digits.push(digit);
    }
    if (digits.length % 3 === 1) {
      throw new Failure("not Base45");
    }
    const out = [];
    for (let i = 0; i < digits.length; i += 3) {
      if (i + 2 < digits.length) {
        const word = digits[i] + 45 * digits[i + 1] + 2025 * digits[i + 2];
        if (word > 0xffff) {
          throw new Failure("a Base45 triplet exceeds two bytes");
        }
        out.push(word >> 8, word & 0xff);
      } else {
        const last = digits[i] + 45 * digits[i + 1];
        if (last > 0xff) {
          throw new Failure("a Base45 pair exceeds one byte");
        }
        out.push(last);
      }
    }
    return new Uint8Array(out);
  }

  async function inflate(bytes) {
    const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate")).getReader();
    const chunks = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      total += value.length;
      if (total > MAX_INFLATED_BYTES) {
        await reader.cancel();
        throw new Failure("inflated data too large");
      }
      chunks.push(value);
    }
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  // CBOR (RFC 8949), as much as a pass uses: definite lengths, integer and text map keys.
  function decodeCbor(bytes) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const text = new TextDecoder("utf-8", { fatal: true });
    let pos = 0;

    function take(length) {
      if (pos + length > bytes.length) {
        throw new Failure("truncated CBOR");
      }
      const start = pos;
      pos += length;
      return start;
    }

    function argument(info) {
      if (info < 24) {
        return info;
      }
      if (info === 24) {
        return view.getUint8(take(1));
      }
      if (info === 25) {
        return view.getUint16(take(2));
      }
      if (info === 26) {
        return view.getUint32(take(4));
      }
      if (info === 27) {
        const value = view.getBigUint64(take(8));
        if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
          throw new Failure("integer too large");
        }
        return Number(value);
      }
      throw new Failure("indefinite or reserved length");
    }

    function item(depth) {
      if (depth > MAX_CBOR_DEPTH) {
        throw new Failure("CBOR nests too deeply");
      }
      const initial = view.getUint8(take(1));
      const major = initial >> 5;
      const info = initial & 31;
      if (major === 7) {
        return simple(info);
      }
      const value = argument(info);
      switch (major) {
        case 0:
          return value;
        case 1:
          return -1 - value;
        case 2:
          return bytes.slice(take(value), pos);
        case 3:
          return text.decode(bytes.subarray(take(value), pos));
        case 4: {
          const list = [];
          for (let i = 0; i < value; i++) {
            list.push(item(depth + 1));
          }
          return list;
        }
        case 5: {
          const map = new Map();
          for (let i = 0; i < value; i++) {
            const key = item(depth + 1);
            if (typeof key !== "number" && typeof key !== "string") {
              throw new Failure("map key is neither an integer nor text");
            }
            if (map.has(key)) {
              throw new Failure("duplicate map key");
            }
            map.set(key, item(depth + 1));
          }
          return map;
        }
        default:
          return new Tagged(value, item(depth + 1));
      }
    }

    function simple(info) {
      switch (info) {
        case 20:
          return false;
        case 21:
          return true;
        case 22:
          return null;
        case 23:
          return undefined;
        case 25:
          return halfFloat(view.getUint16(take(2)));
        case 26:
          return view.getFloat32(take(4));
        case 27:
          return view.getFloat64(take(8));
        default:
          throw new Failure("unsupported simple value");
      }
    }

    const value = item(0);
    if (pos !== bytes.length) {
      throw new Failure("trailing bytes after the CBOR item");
    }
    return value;
  }

  function halfFloat(half) {
    const exponent = (half >> 10) & 0x1f;
    const mantissa = half & 0x3ff;
    const sign = half & 0x8000 ? -1 : 1;
    if (exponent === 0) {
      return sign * mantissa * 2 ** -24;
    }
    if (exponent === 31) {
      return mantissa ? NaN : sign * Infinity;
    }
    return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }

  function cborHead(major, length) {
    if (length < 24) {
      return [(major << 5) | length];
    }
    if (length < 0x100) {
      return [(major << 5) | 24, length];
    }
    if (length < 0x10000) {
      return [(major << 5) | 25, length >> 8, length & 0xff];
    }
    return [(major << 5) | 26, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff];
  }

  // The bytes a COSE_Sign1 signs (RFC 8152 §4.4), with empty external data.
  function sigStructure(protectedBytes, payload) {
    const label = new TextEncoder().encode("Signature1");
    const parts = [
      [0x84],
      cborHead(3, label.length),
      label,
      cborHead(2, protectedBytes.length),
      protectedBytes,
      [0x40],
      cborHead(2, payload.length),
      payload,
    ];
    const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  function isInteger(value) {
    return typeof value === "number" && Number.isInteger(value);
  }

  function base64url(bytes) {
    let binary = "";
    for (const byte of bytes) {
      binary += String.fromCharCode(byte);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // [protected, kid, payload, signature] of a well-formed FY1 COSE_Sign1, else null.
  function parseSign1(value) {
    if (!(value instanceof Tagged) || value.tag !== COSE_SIGN1_TAG) {
      return null;
    }
    const body = value.value;
    if (!Array.isArray(body) || body.length !== 4) {
      return null;
    }
    const [protectedBytes, unprotected, payload, signature] = body;
    if (
      !(protectedBytes instanceof Uint8Array) ||
      !(unprotected instanceof Map) ||
      !(payload instanceof Uint8Array) ||
      !(signature instanceof Uint8Array)
    ) {
      return null;
    }
    let header;
    try {
      header = decodeCbor(protectedBytes);
    } catch (error) {
      return null;
    }
    if (!(header instanceof Map)) {
      return null;
    }
    const alg = header.get(1);
    const kid = header.get(4);
    if (!isInteger(alg) || alg !== ALG_ES256 || !(kid instanceof Uint8Array) || !kid.length) {
      return null;
    }
    return [protectedBytes, kid, payload, signature];
  }

  function sameKeys(map, expected) {
    return map.size === expected.length && expected.every((key) => map.has(key));
  }

  function parseClaims(payload) {
    let data;
    try {
      data = decodeCbor(payload);
    } catch (error) {
      return null;
    }
    if (!(data instanceof Map) || !sameKeys(data, [CLAIM_SUBJECT, CLAIM_ISSUED_AT, CLAIM_EXPIRES_AT, CLAIM_PASS])) {
      return null;
    }
    const details = data.get(CLAIM_PASS);
    if (!(details instanceof Map) || !sameKeys(details, ["c", "n"])) {
      return null;
    }
    const claims = {
      subject: data.get(CLAIM_SUBJECT),
      colour: details.get("c"),
      maskedName: details.get("n"),
      issuedAt: data.get(CLAIM_ISSUED_AT),
      expiresAt: data.get(CLAIM_EXPIRES_AT),
    };
    const valid =
      typeof claims.subject === "string" &&
      claims.subject.length > 0 &&
      typeof claims.maskedName === "string" &&
      COLOURS.includes(claims.colour) &&
      isInteger(claims.issuedAt) &&
      isInteger(claims.expiresAt) &&
      claims.expiresAt > claims.issuedAt;
    return valid ? claims : null;
  }

  const importedKeys = new Map();

  // The verifying key of `kid` in a key set document ({"keys": [JWK, ...]}), or null.
  async function keyFor(keySet, kid) {
    const name = base64url(kid);
    const keys = keySet && Array.isArray(keySet.keys) ? keySet.keys : [];
    const jwk = keys.find(
      (entry) => entry && entry.kid === name && entry.kty === "EC" && entry.crv === "P-256",
    );
    if (!jwk) {
      return null;
    }
    const cacheKey = [jwk.kid, jwk.x, jwk.y].join(".");
    if (!importedKeys.has(cacheKey)) {
      const imported = window.crypto.subtle
        .importKey(
          "jwk",
          { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true },
          { name: "ECDSA", namedCurve: "P-256" },
          false,
          ["verify"],
        )
        .catch(() => null);
      importedKeys.set(cacheKey, imported);
    }
    return importedKeys.get(cacheKey);
  }

  function result(ok, code, claims) {
    return { ok: ok, code: code, claims: claims || null };
  }

  /* The verdict on `text` at `now` (epoch seconds) against a key set document and revocations
   * ({subject: revoked_before}); never rejects. */
  async function verify(text, keySet, revocations, now, skewSeconds) {
    if (typeof text !== "string" || !text.startsWith(PREFIX)) {
      return result(false, "bad_prefix");
    }
    let compressed;
    try {
      compressed = base45Decode(text.slice(PREFIX.length));
    } catch (error) {
      return result(false, "bad_base45");
    }
    let message;
    try {
      message = await inflate(compressed);
    } catch (error) {
      return result(false, "bad_compression");
    }
    let sign1;
    try {
      sign1 = decodeCbor(message);
    } catch (error) {
      return result(false, "bad_cbor");
    }
    const parts = parseSign1(sign1);
    if (!parts) {
      return result(false, "bad_cose");
    }
    const [protectedBytes, kid, payload, signature] = parts;
    const key = await keyFor(keySet, kid);
    if (!key) {
      return result(false, "unknown_key");
    }
    if (signature.length !== 64) {
      return result(false, "bad_signature");
    }
    const signed = await window.crypto.subtle
      .verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, sigStructure(protectedBytes, payload))
      .catch(() => false);
    if (!signed) {
      return result(false, "bad_signature");
    }
    const claims = parseClaims(payload);
    if (!claims) {
      return result(false, "bad_claims");
    }
    if (claims.issuedAt > now + skewSeconds) {
      return result(false, "not_yet_valid", claims);
    }
    if (claims.expiresAt < now - skewSeconds) {
      return result(false, "expired", claims);
    }
    const entries = revocations || {};
    if (Object.prototype.hasOwnProperty.call(entries, claims.subject) && claims.issuedAt <= entries[claims.subject]) {
      return result(false, "revoked", claims);
    }
    return result(true, "ok", claims);
  }

  window.FangyiPass = { supported: supported, verify: verify };
})();
