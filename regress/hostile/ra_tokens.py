"""Attestation-service tokens for the hostile server's token-* modes.

The client's policy trusts ISSUER, whose RS256 signing key (kid TRUSTED_KID)
the test harness generates and pins (IssuerKey).  Some modes sign with that
key, modelling a genuine token with the wrong content (expired, another
session's user-data, debug, missing or mistyped claims): they exercise the
client's claim checks.  The others are forgeries a server without the key
can make (alg none, HS256 keyed with the public key, an unknown kid, a jku
of its own, a wrong signature).  token-good is the positive control.
"""
import base64
import hashlib
import hmac
import json
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ISSUER = "https://issuer.ra-ssh.test"
TRUSTED_KID = "trusted-kid"


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def _rs256(key, signing_input):
    return key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())


def _claims(binding_bytes, now):
    return {
        "iss": ISSUER,
        "iat": now - 5,
        "nbf": now - 5,
        "exp": now + 300,
        "x-ms-ver": "1.0",
        "x-ms-attestation-type": "tdxvm",
        "x-ms-compliance-status": "azure-compliant-cvm",
        "tdx_td_attributes_debug": False,
        "x-ms-runtime": {"user-data": binding_bytes.hex().upper()},
    }


def make(mode, binding_bytes, trusted_key_pem):
    """The compact JWS for token-MODE, bound to binding_bytes."""
    trusted = serialization.load_pem_private_key(trusted_key_pem, None)
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    header = {"alg": "RS256", "typ": "JWT", "kid": TRUSTED_KID}
    claims = _claims(binding_bytes, now)
    key = trusted
    m = mode[len("token-"):]
    if m == "good":
        pass
    elif m == "alg-none":
        header = {"alg": "none", "typ": "JWT"}
    elif m == "hs256":
        header = {"alg": "HS256", "typ": "JWT", "kid": TRUSTED_KID}
    elif m == "unknown-kid":
        header["kid"] = "attacker-kid"
        key = attacker
    elif m == "wrong-key":
        key = attacker
    elif m == "jku":
        header["jku"] = "https://attacker.example/certs"
        key = attacker
    elif m == "iss":
        claims["iss"] = "https://attacker.example"
    elif m == "expired":
        claims["iat"], claims["nbf"], claims["exp"] = now - 7200, now - 7200, now - 3600
    elif m == "not-yet-valid":
        claims["nbf"], claims["exp"] = now + 3600, now + 7200
    elif m == "missing-claim":
        del claims["x-ms-compliance-status"]
    elif m == "typed-claim":
        claims["tdx_td_attributes_debug"] = "false"
    elif m == "debug":
        claims["tdx_td_attributes_debug"] = True
    elif m == "user-data":
        claims["x-ms-runtime"]["user-data"] = hashlib.sha512(b"another session").hexdigest()
    else:
        raise SystemExit("unknown token mode " + mode)
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode())).encode()
    if m == "alg-none":
        sig = b""
    elif m == "hs256":
        # The classic confusion: HMAC keyed with the issuer's public key,
        # which any server can read.
        pub = trusted.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        sig = hmac.new(pub, signing_input, hashlib.sha256).digest()
    else:
        sig = _rs256(key, signing_input)
    return signing_input + b"." + b64url(sig).encode()
