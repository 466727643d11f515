"""Tests against a real Kubernetes control plane, and the harness other suites share.

The harness: ``controlplane`` (the processes), ``kwok_setup`` and ``pki`` (its pieces),
``harness`` (binaries and the one control plane per session), ``fixtures`` (``k8s_cluster``,
``k8s_namespace``) and ``executor_runner`` (a real command executor). ``tests/contract``,
``tests/deploy`` and ``bench`` import them as ``tests.k8s.<module>``.
"""
