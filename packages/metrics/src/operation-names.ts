/** Label for requests without an operation name. */
export const ANONYMOUS = "anonymous";
/** Label every operation name outside the allowed set collapses into. */
export const OTHER = "other";

/** Options for {@link createOperationNameLabeler}. */
export interface OperationNameLabelerOptions {
  /** Always kept as themselves (e.g. the trusted-documents manifest's operation names). */
  known?: Iterable<string>;
  /** How many further names are admitted, first come first served. Default 100. */
  maxDynamic?: number;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/**
 * Bounds the cardinality of an `operation` label. Operation names are chosen by clients, so an
 * unbounded label would let anyone create time series at will: names from the manifest are kept,
 * then the first `maxDynamic` other well-formed names; everything after that is "other". Admitted
 * names are never evicted (an evicted series would live on in Prometheus anyway).
 */
export function createOperationNameLabeler(
  options: OperationNameLabelerOptions = {},
): (name: string | null | undefined) => string {
  const known = new Set(options.known ?? []);
  const maxDynamic = options.maxDynamic ?? 100;
  const admitted = new Set<string>();
  return (name) => {
    if (!name) return ANONYMOUS;
    if (known.has(name) || admitted.has(name)) return name;
    if (!NAME.test(name) || admitted.size >= maxDynamic) return OTHER;
    admitted.add(name);
    return name;
  };
}
