"""Test PKI with openssl: CA; kube-apiserver, kwok and metrics-server serving certs; admin and
front-proxy client certs; SA keys.

Every certificate carries SKI/AKI and key usages: Python >= 3.13 with urllib3 >= 2.4 verifies
with VERIFY_X509_STRICT and rejects certificates without an Authority Key Identifier.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


def _openssl(pki: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=pki, timeout=60)


def _leaf(pki: Path, name: str, subject: str, ext: list[str]) -> None:
    _openssl(
        pki,
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        f"{name}.key",
        "-out",
        f"{name}.csr",
        "-subj",
        subject,
    )
    (pki / f"{name}.ext").write_text(
        "\n".join(
            [
                "basicConstraints=CA:FALSE",
                "subjectKeyIdentifier=hash",
                "authorityKeyIdentifier=keyid,issuer",
                *ext,
            ]
        )
        + "\n"
    )
    _openssl(
        pki,
        "x509",
        "-req",
        "-in",
        f"{name}.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "3650",
        "-extfile",
        f"{name}.ext",
        "-out",
        f"{name}.crt",
    )


def make_pki(pki: Path) -> None:
    pki.mkdir(parents=True, exist_ok=True)
    # SKI/AKI and key usages: Python 3.13+/urllib3 2.4+ verify with VERIFY_X509_STRICT.
    _openssl(
        pki,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "3650",
        "-subj",
        "/CN=lookout-test-ca",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-addext",
        "subjectKeyIdentifier=hash",
    )
    _leaf(
        pki,
        "apiserver",
        "/CN=kube-apiserver",
        [
            "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,"
            "DNS:kubernetes.default.svc",
            "extendedKeyUsage=serverAuth",
            "keyUsage=critical,digitalSignature,keyEncipherment",
        ],
    )
    # kwok answers the kubelet API (pod logs) for every fake node on 127.0.0.1.
    _leaf(
        pki,
        "kwok",
        "/CN=kwok",
        [
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "extendedKeyUsage=serverAuth",
            "keyUsage=critical,digitalSignature,keyEncipherment",
        ],
    )
    # metrics-server (tests/k8s/metrics_server.py) serves metrics.k8s.io on 127.0.0.1; the
    # aggregator checks the name of the APIService's Service, <name>.<namespace>.svc.
    _leaf(
        pki,
        "metrics-server",
        "/CN=metrics-server",
        [
            "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:metrics-server.kube-system.svc",
            "extendedKeyUsage=serverAuth",
            "keyUsage=critical,digitalSignature,keyEncipherment",
        ],
    )
    # The aggregator's client certificate towards extension API servers (--proxy-client-*):
    # they trust it through --requestheader-client-ca-file and --requestheader-allowed-names.
    _leaf(
        pki,
        "front-proxy-client",
        "/CN=front-proxy-client",
        ["extendedKeyUsage=clientAuth", "keyUsage=critical,digitalSignature,keyEncipherment"],
    )
    _leaf(
        pki,
        "admin",
        "/O=system:masters/CN=admin",
        ["extendedKeyUsage=clientAuth", "keyUsage=critical,digitalSignature,keyEncipherment"],
    )
    _openssl(pki, "genrsa", "-out", "sa.key", "2048")
    _openssl(pki, "rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub")
