export { ObjectStore } from "./object-store";
export type {
  ObjectStoreArgs,
  ObjectStoreBackend,
  InClusterObjectStore,
  S3ObjectStore,
  BucketSpec,
} from "./types";
export * from "./naming";
export { bucketPolicy, renderPolicy } from "./policy";
export type { PolicyDocument, PolicyStatement } from "./policy";
export { bucketNameProblems } from "./validation";
