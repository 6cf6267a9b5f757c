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
export { bucketPolicy, renderPolicy } from "./policy";
export type { PolicyDocument, PolicyStatement } from "./policy";
export { bucketNameProblems } from "./validation";
export { publicReadPolicy, renderPublicReadPolicy } from "./public-access";
export { publicEndpointUrl, publicRouteRule } from "./route";
