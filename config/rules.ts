/** Patterns the config reader checks values against, with how a problem names what was expected. */

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** registry/repo[:tag][@sha256:digest], with a tag or a digest required. */
export const IMAGE =
  /^[a-z0-9]+([._\-/:][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
/** A StorageClass name, or empty for the cluster default. */
export const STORAGE_CLASS = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?)?$/;

/** A string rule for ObjectReader.string: the pattern, the expectation a problem names, an example fix. */
export const rule = (pattern: RegExp, expectation: string, example: string) => ({
  pattern,
  expectation,
  example,
});

/** The `storageClass` of a volume: empty means the cluster default. */
export const storageClassRule = () => rule(STORAGE_CLASS, "a StorageClass name", "local-path");
