export { ObjectStore } from "./object-store";
export type {
  ObjectStoreArgs,
  ObjectStoreBackend,
  InClusterObjectStore,
  S3ObjectStore,
  BucketSpec,
  PublicEndpointArgs,
} from "./types";
export * from "./naming";
export {
  DEFAULT_MC_IMAGE,
  DEFAULT_MINIO_IMAGE,
  DEFAULT_NONCURRENT_VERSION_DAYS,
  DEFAULT_OBJECT_STORE_RESOURCES,
  DEFAULT_REGION,
  defaultObjectsHost,
} from "../../config/defaults";
export { bucketPolicy, renderPolicy } from "./policy";
export type { PolicyDocument, PolicyStatement } from "./policy";
export { bucketNameProblems } from "./validation";
export { publicReadPolicy, renderPublicReadPolicy } from "./public-access";
export { publicEndpointUrl, publicRouteRule } from "./route";
