// Ed25519 signatures (OpenSSL) for what must be proved later: bundles and archive checkpoints.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace steward {

// A new Ed25519 key pair as PEM text (PKCS#8 private key, SubjectPublicKeyInfo public key).
bool generate_signing_key(std::string* private_pem, std::string* public_pem, std::string* error);

// "sha256:<hex>" of a PEM public key's DER form: how a signature names its key.
bool key_fingerprint(std::string_view public_pem, std::string* fingerprint, std::string* error);

// Signs `message` with a PEM Ed25519 private key: `signature` in base64, `fingerprint` of the
// matching public key.
bool sign_message(std::string_view private_pem, std::string_view message, std::string* signature,
                  std::string* fingerprint, std::string* error);

// True when `signature` (base64) is a valid Ed25519 signature of `message` by one of the PEM
// public keys; `error` says why not (a key that is not Ed25519 PEM is an error, not a miss).
bool verify_message(const std::vector<std::string>& public_pems, std::string_view message,
                    std::string_view signature, std::string* error);

}  // namespace steward
