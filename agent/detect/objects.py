"""Raw Kubernetes JSON as TypedDicts: only the fields the detectors read, all optional.

Owns the shapes, not their validation: objects arrive from the API server or from `kubectl get
-o json`, and any field may be missing (``total=False``). A field of the wrong type surfaces as
``MalformedObject`` from ``registry.detect``. The agent's slim projections must keep every field
named here, or the rule that reads it goes quiet.
"""

from __future__ import annotations

from typing import TypedDict


class OwnerReference(TypedDict, total=False):
    apiVersion: str
    kind: str
    name: str
    uid: str
    controller: bool


class ObjectMeta(TypedDict, total=False):
    name: str
    namespace: str
    uid: str
    generation: int
    labels: dict[str, str]
    annotations: dict[str, str]
    creationTimestamp: str
    deletionTimestamp: str
    deletionGracePeriodSeconds: int
    ownerReferences: list[OwnerReference]


class Condition(TypedDict, total=False):
    type: str
    status: str
    reason: str
    message: str
    lastTransitionTime: str
    lastUpdateTime: str
    lastHeartbeatTime: str


class LabelSelectorRequirement(TypedDict, total=False):
    key: str
    operator: str
    values: list[str]


class LabelSelector(TypedDict, total=False):
    matchLabels: dict[str, str]
    matchExpressions: list[LabelSelectorRequirement]


# -- Pod ------------------------------------------------------------------------------------------


class StateWaiting(TypedDict, total=False):
    reason: str
    message: str


class StateRunning(TypedDict, total=False):
    startedAt: str


class StateTerminated(TypedDict, total=False):
    reason: str
    message: str
    exitCode: int
    signal: int
    startedAt: str
    finishedAt: str


class ContainerState(TypedDict, total=False):
    waiting: StateWaiting
    running: StateRunning
    terminated: StateTerminated


class ContainerStatus(TypedDict, total=False):
    name: str
    ready: bool
    restartCount: int
    image: str
    state: ContainerState
    lastState: ContainerState


class PodSpec(TypedDict, total=False):
    nodeName: str


class PodStatus(TypedDict, total=False):
    phase: str
    reason: str
    message: str
    conditions: list[Condition]
    containerStatuses: list[ContainerStatus]
    initContainerStatuses: list[ContainerStatus]


class Pod(TypedDict, total=False):
    metadata: ObjectMeta
    spec: PodSpec
    status: PodStatus


# -- Node -----------------------------------------------------------------------------------------


class Taint(TypedDict, total=False):
    key: str
    effect: str
    timeAdded: str


class NodeSpec(TypedDict, total=False):
    unschedulable: bool
    taints: list[Taint]


class NodeStatus(TypedDict, total=False):
    conditions: list[Condition]


class Node(TypedDict, total=False):
    metadata: ObjectMeta
    spec: NodeSpec
    status: NodeStatus


# -- Workloads ------------------------------------------------------------------------------------


class RollingUpdate(TypedDict, total=False):
    maxSurge: int | str
    maxUnavailable: int | str


class DeploymentStrategy(TypedDict, total=False):
    type: str
    rollingUpdate: RollingUpdate


class WorkloadSpec(TypedDict, total=False):
    """Deployment, ReplicaSet and StatefulSet specs share what the detectors read."""

    replicas: int
    selector: LabelSelector
    strategy: DeploymentStrategy
    progressDeadlineSeconds: int


class WorkloadStatus(TypedDict, total=False):
    observedGeneration: int
    replicas: int
    readyReplicas: int
    availableReplicas: int
    updatedReplicas: int
    unavailableReplicas: int
    currentRevision: str
    updateRevision: str
    conditions: list[Condition]


class Workload(TypedDict, total=False):
    """Deployment, ReplicaSet or StatefulSet."""

    metadata: ObjectMeta
    spec: WorkloadSpec
    status: WorkloadStatus


class DaemonSetSpec(TypedDict, total=False):
    selector: LabelSelector


class DaemonSetStatus(TypedDict, total=False):
    observedGeneration: int
    desiredNumberScheduled: int
    currentNumberScheduled: int
    numberReady: int
    numberAvailable: int
    numberUnavailable: int
    numberMisscheduled: int
    updatedNumberScheduled: int


class DaemonSet(TypedDict, total=False):
    metadata: ObjectMeta
    spec: DaemonSetSpec
    status: DaemonSetStatus


class JobSpec(TypedDict, total=False):
    backoffLimit: int
    activeDeadlineSeconds: int


class JobStatus(TypedDict, total=False):
    conditions: list[Condition]
    failed: int
    succeeded: int
    active: int
    startTime: str
    completionTime: str


class Job(TypedDict, total=False):
    metadata: ObjectMeta
    spec: JobSpec
    status: JobStatus


class CronJobSpec(TypedDict, total=False):
    suspend: bool
    schedule: str


class CronJobStatus(TypedDict, total=False):
    active: list[OwnerReference]
    lastScheduleTime: str
    lastSuccessfulTime: str


class CronJob(TypedDict, total=False):
    metadata: ObjectMeta
    spec: CronJobSpec
    status: CronJobStatus


# -- Network --------------------------------------------------------------------------------------


class ServiceSpec(TypedDict, total=False):
    type: str
    clusterIP: str
    selector: dict[str, str]
    publishNotReadyAddresses: bool


class Service(TypedDict, total=False):
    metadata: ObjectMeta
    spec: ServiceSpec


class EndpointAddress(TypedDict, total=False):
    ip: str


class EndpointSubset(TypedDict, total=False):
    addresses: list[EndpointAddress]
    notReadyAddresses: list[EndpointAddress]


class Endpoints(TypedDict, total=False):
    metadata: ObjectMeta
    subsets: list[EndpointSubset]


class EndpointConditions(TypedDict, total=False):
    ready: bool
    serving: bool
    terminating: bool


class Endpoint(TypedDict, total=False):
    addresses: list[str]
    conditions: EndpointConditions


class EndpointSlice(TypedDict, total=False):
    metadata: ObjectMeta
    endpoints: list[Endpoint]


# -- Storage and autoscaling ----------------------------------------------------------------------


class ClaimSpec(TypedDict, total=False):
    storageClassName: str
    volumeName: str


class ClaimStatus(TypedDict, total=False):
    phase: str
    message: str
    reason: str


class PersistentVolumeClaim(TypedDict, total=False):
    metadata: ObjectMeta
    spec: ClaimSpec
    status: ClaimStatus


class ClaimRef(TypedDict, total=False):
    namespace: str
    name: str


class VolumeSpec(TypedDict, total=False):
    claimRef: ClaimRef


class StorageClass(TypedDict, total=False):
    metadata: ObjectMeta
    volumeBindingMode: str


class PersistentVolume(TypedDict, total=False):
    metadata: ObjectMeta
    spec: VolumeSpec
    status: ClaimStatus


class ScaleTargetRef(TypedDict, total=False):
    kind: str
    name: str


class HPASpec(TypedDict, total=False):
    scaleTargetRef: ScaleTargetRef
    minReplicas: int
    maxReplicas: int


class HPAStatus(TypedDict, total=False):
    currentReplicas: int
    desiredReplicas: int
    conditions: list[Condition]


class HorizontalPodAutoscaler(TypedDict, total=False):
    metadata: ObjectMeta
    spec: HPASpec
    status: HPAStatus


# -- Events (core/v1 and events.k8s.io/v1) --------------------------------------------------------


class InvolvedObject(TypedDict, total=False):
    kind: str
    namespace: str
    name: str
    uid: str
    fieldPath: str


class EventSource(TypedDict, total=False):
    component: str
    host: str


class EventSeries(TypedDict, total=False):
    count: int
    lastObservedTime: str


class Event(TypedDict, total=False):
    """Both event APIs in one shape: core/v1 uses involvedObject/message/count/lastTimestamp,
    events.k8s.io/v1 uses regarding/note/series/deprecated* for the same facts."""

    apiVersion: str
    metadata: ObjectMeta
    type: str
    reason: str
    # core/v1
    involvedObject: InvolvedObject
    message: str
    count: int
    firstTimestamp: str
    lastTimestamp: str
    source: EventSource
    # both
    eventTime: str
    series: EventSeries
    reportingInstance: str
    # events.k8s.io/v1
    regarding: InvolvedObject
    note: str
    deprecatedCount: int
    deprecatedFirstTimestamp: str
    deprecatedLastTimestamp: str
    deprecatedSource: EventSource
