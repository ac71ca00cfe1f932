#!/bin/sh
# Checks a Siegel evidence file with OpenSSL alone (see README.md).
# usage: openssl-verify.sh EVIDENCE.p7m ROOT.pem [UNIX-TIME]
# Writes evidence.xml, signature.der and timestamp.der into the current folder.
# UNIX-TIME checks the certificates at that time instead of now: the signing
# time, for evidence whose seal certificate has expired since.
set -eu
ev=$1
root=$2
at=${3:+-attime $3}

# 1. The CMS signature over the signed attributes, the message digest of the
#    content, the signing-certificate-v2 attribute and the seal's chain to the
#    root; writes the evidence document.
openssl cms -verify -inform DER -in "$ev" -CAfile "$root" -purpose any $at -out evidence.xml

# 2. The RFC 3161 time-stamp token (unsigned attribute id-smime-aa-timeStampToken)
#    against the SHA-256 of the signature value, and the TSA's chain to the root.
SIG=$(openssl asn1parse -inform DER -in "$ev" | awk '/:ecdsa-with-SHA256/{e=NR} /OCTET STRING/ && NR==e+1 {print $1+0; exit}')
TST=$(openssl asn1parse -inform DER -in "$ev" | awk '/:id-smime-aa-timeStampToken/{getline; getline; print $1+0; exit}')
openssl asn1parse -inform DER -in "$ev" -strparse "$SIG" -noout -out signature.der
openssl asn1parse -inform DER -in "$ev" -strparse "$TST" -noout -out timestamp.der
openssl ts -verify -in timestamp.der -token_in -digest "$(openssl dgst -sha256 -r signature.der | cut -d' ' -f1)" -CAfile "$root" $at

# 3. The time the time-stamp proves.
openssl ts -reply -in timestamp.der -token_in -text | grep 'Time stamp:'
