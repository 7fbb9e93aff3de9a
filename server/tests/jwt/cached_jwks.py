"""A resource server that caches the JWKS, as PyJWT's JWKS client does in
production: it fetches the key set once at start, then verifies each token
read from standard input with the same client, which fetches again only when
a token names a key it does not hold (no cool-down, so a missing key shows
as a second fetch instead of a failure).

Usage: cached_jwks.py <jwks_url>
Prints {"kids": [...], "fetches": 1} once the keys are cached, then a line per
token: {"kid": ..., "sub": ..., "fetches": n} when its signature verifies,
{"error": ..., "fetches": n} otherwise. Time claims are not checked: the
server under test runs on a clock days ahead of this machine's.
"""

import json
import sys

import jwt


class CountingJWKClient(jwt.PyJWKClient):
    """PyJWT's client, counting the times it fetches the key set."""

    fetches = 0

    def fetch_data(self):
        self.fetches += 1
        return super().fetch_data()


def say(obj) -> None:
    print(json.dumps(obj), flush=True)


def main() -> int:
    client = CountingJWKClient(
        sys.argv[1], cache_keys=True, lifespan=86_400, cooldown_duration=0
    )
    kids = [key.key_id for key in client.get_signing_keys()]
    say({"kids": kids, "fetches": client.fetches})
    for line in sys.stdin:
        token = line.strip()
        try:
            key = client.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key=key,
                algorithms=["RS256", "ES256", "EdDSA"],
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_aud": False,
                },
            )
        except Exception as e:  # noqa: BLE001 - the test reads the reason
            say({"error": f"{type(e).__name__}: {e}", "fetches": client.fetches})
            continue
        say({"kid": key.key_id, "sub": claims["sub"], "fetches": client.fetches})
    return 0


if __name__ == "__main__":
    sys.exit(main())
