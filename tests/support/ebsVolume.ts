// Stands in for the EBS CSI driver, which the harness does not run: the gp3 volume it would
// create for the dev overlay's postgres-0 claim, bound to that claim in advance (same class,
// size and access mode as the claim).

export function postgresVolumeFor(namespace: string, volumeName: string, volumeHandle: string): object {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: volumeName },
    spec: {
      capacity: { storage: "5Gi" },
      accessModes: ["ReadWriteOnce"],
      storageClassName: "gp3",
      persistentVolumeReclaimPolicy: "Retain",
      claimRef: { namespace, name: "data-postgres-0" },
      csi: { driver: "ebs.csi.aws.com", volumeHandle, fsType: "ext4" },
    },
  };
}
