"""The multi-cluster master: ⑤ ingress -> ⑥ processor -> ⑦ DataHub/store/alerts/SLO -> ⑧ gateway."""
