"""Open Badges 3.0: each credential in force as a signed `OpenBadgeCredential` (a VC-JWT), the
keys that sign them, the status lists that revoke them and the check of a pasted one.

- `keys`: Ed25519 signing keys, their JWK set, rotation and retirement;
- `credential`: the credential JSON (VC 2.0 data model, OB 3.0 vocabulary);
- `jwt`: compact JWS signing and strict parsing;
- `status`: the Bitstring Status Lists (revocation, suspension) Relay publishes;
- `verify`: every check of a pasted or uploaded credential, each with a human message.
"""
