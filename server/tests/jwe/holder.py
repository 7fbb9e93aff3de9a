"""A credential holder, played by jwcrypto (pyca/cryptography, i.e. OpenSSL):
it makes the key pair it registers with Keyward, and opens the JWE a
scheduled rotation sends it.

Usage:
  holder.py gen <P-256|X25519> [kid]
      prints {"private": <JWK>, "public": <JWK>, "thumbprint": <RFC 7638 SHA-256>}
  holder.py open <private-jwk-file>
      reads a compact JWE on stdin and writes its plaintext to stdout; exits 1
      with the reason on stderr if it does not open, or is not ECDH-ES/A256GCM.
"""

import json
import sys

from jwcrypto import jwe, jwk

KTY = {"P-256": "EC", "X25519": "OKP"}


def gen(crv: str, kid: str | None) -> None:
    key = jwk.JWK.generate(kty=KTY[crv], crv=crv, **({"kid": kid} if kid else {}))
    print(
        json.dumps(
            {
                "private": key.export_private(as_dict=True),
                "public": key.export_public(as_dict=True),
                "thumbprint": key.thumbprint(),
            }
        )
    )


def open_jwe(private_jwk_file: str) -> None:
    with open(private_jwk_file) as f:
        key = jwk.JWK(**json.load(f))
    token = jwe.JWE(algs=["ECDH-ES", "A256GCM"])
    token.deserialize(sys.stdin.read().strip(), key=key)
    header = token.jose_header
    if header.get("alg") != "ECDH-ES" or header.get("enc") != "A256GCM":
        raise ValueError(f"unexpected header {header}")
    sys.stdout.buffer.write(token.payload)


def main() -> int:
    command, *args = sys.argv[1:]
    try:
        if command == "gen":
            gen(args[0], args[1] if len(args) > 1 else None)
        elif command == "open":
            open_jwe(args[0])
        else:
            raise ValueError(f"unknown command {command!r}")
    except Exception as e:  # noqa: BLE001 - the test reads the reason
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
