/**
 * The agent's install line for a newly registered cluster (values from
 * deploy/helm/lookout-agent/values.yaml; docs/install.md). The token goes into a Secret first
 * so it never sits in Helm's release history. Pure.
 */
export function helmInstall(cluster: string, token: string, grpcAddress: string): string {
  return [
    'kubectl create namespace lookout',
    `kubectl -n lookout create secret generic lookout-agent-token --from-literal=token='${token}'`,
    'helm install lookout-agent deploy/helm/lookout-agent --namespace lookout \\',
    `  --set clusterName=${cluster} \\`,
    `  --set master.address=${grpcAddress} \\`,
    '  --set token.existingSecret=lookout-agent-token',
  ].join('\n');
}

/** A guess at the master's gRPC address: this host on the gRPC port; the admin edits it. */
export function defaultGrpcAddress(host: string): string {
  return `${host.split(':')[0] || 'lookout-grpc.example.com'}:7443`;
}
