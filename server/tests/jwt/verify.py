"""Verifies a JWT the way a third-party resource server would: fetch the JWKS
over HTTP, pick the key by `kid`, check the signature with PyJWT (pyca
cryptography), and check `iss`, `aud` and `exp`.

Usage: verify.py <jwks_url> <issuer|-> <audience|-> <token>
Prints {"header": ..., "claims": ...} on success, {"error": ...} otherwise.
"""

import json
import sys

import jwt


def main() -> int:
    jwks_url, issuer, audience, token = sys.argv[1:5]
    try:
        header = jwt.get_unverified_header(token)
        key = jwt.PyJWKClient(jwks_url, cache_keys=False).get_signing_key_from_jwt(token)
        options = {"require": ["exp", "iat"]}
        claims = jwt.decode(
            token,
            key=key,
            algorithms=["RS256", "ES256", "EdDSA"],
            audience=None if audience == "-" else audience,
            issuer=None if issuer == "-" else issuer,
            options=options if audience != "-" else {**options, "verify_aud": False},
        )
    except Exception as e:  # noqa: BLE001 - the test reads the reason
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
        return 1
    print(json.dumps({"header": header, "claims": claims}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
