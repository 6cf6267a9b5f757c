/**
 * One ECR repository per service (scan on push, immutable tags, KMS encryption, old untagged images expired),
 * and, where config gives a service a build context, its image built and pushed by `@pulumi/docker`; the
 * Deployment then runs the pushed digest.
 */
import * as ecr from "@pulumi/aws/ecr";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { ServiceSettings } from "../../config";

export const untaggedExpiryPolicy = {
  rules: [
    {
      rulePriority: 1,
      description: "Expire untagged images after 14 days",
      selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 },
      action: { type: "expire" },
    },
  ],
};

/** Repositories for every service, and the image to run for those with a build context. */
export function ecrImages(
  name: string,
  services: readonly ServiceSettings[],
  tags: Record<string, string>,
  protect: boolean,
): Record<string, pulumi.Output<string>> {
  const images: Record<string, pulumi.Output<string>> = {};
  for (const s of services) {
    const repo = new ecr.Repository(
      `${name}-${s.name}`,
      {
        name: `ferrum/${s.imageRepository}`,
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: "IMMUTABLE",
        encryptionConfigurations: [{ encryptionType: "KMS" }],
        forceDelete: false,
        tags,
      },
      // The repositories hold every image a rollback may need.
      { protect },
    );
    new ecr.LifecyclePolicy(
      `${name}-${s.name}-lifecycle`,
      { repository: repo.name, policy: JSON.stringify(untaggedExpiryPolicy) },
      { parent: repo },
    );
    if (s.buildContext === "") continue;
    const auth = ecr.getAuthorizationTokenOutput({ registryId: repo.registryId });
    const tag = s.image.split(/[:@]/).pop() ?? "latest";
    const image = new docker.Image(
      `${name}-${s.name}-image`,
      {
        imageName: pulumi.interpolate`${repo.repositoryUrl}:${tag}`,
        build: { context: s.buildContext, platform: "linux/amd64" },
        registry: {
          server: repo.repositoryUrl,
          username: auth.userName,
          password: pulumi.secret(auth.password),
        },
      },
      { parent: repo },
    );
    images[s.name] = image.repoDigest;
  }
  return images;
}
