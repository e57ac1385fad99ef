/**
 * One AdmissionReview (admission.k8s.io/v1) answered: a Pod's vaoci.io/
 * annotations checked with the resolver's grammar and the per-container
 * typo guard — the lines `vaoci validate` prints and the runtime wrapper
 * would refuse the container with. Under on-error warn (for every
 * container) the Pod is admitted with the lines as warnings, as the wrapper
 * would start it. Anything but a Pod is admitted untouched.
 */
import { collectSettings } from '../policy/settings';
import { checkWorkload } from '../validate';
import { fromKube } from '../workloads';

/** Review is the part of an AdmissionReview request vaoci reads. */
export interface Review {
  apiVersion?: string;
  kind?: string;
  request?: { uid?: string; kind?: { kind?: string }; object?: Record<string, unknown> };
}

/** Answer is the AdmissionReview sent back. */
export interface Answer {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: { uid: string; allowed: boolean; status?: { code: number; message: string }; warnings?: string[] };
}

/** ReviewError is a request that is not an AdmissionReview: HTTP 400 with this line. */
export class ReviewError extends Error {}

/** answer decides one review. */
export function answer(review: Review): Answer {
  const req = review.request;
  if (review.kind !== 'AdmissionReview' || !req || typeof req.uid !== 'string') {
    throw new ReviewError('not an AdmissionReview with request.uid — expected admission.k8s.io/v1 AdmissionReview');
  }
  const reply = (response: Omit<Answer['response'], 'uid'>): Answer => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: req.uid as string, ...response },
  });
  const pod = req.object;
  if (req.kind?.kind !== 'Pod' || !pod) return reply({ allowed: true });
  const [workload] = fromKube({ ...pod, kind: 'Pod', apiVersion: 'v1' });
  const problems = workload ? checkWorkload(workload) : [];
  if (!problems.length) return reply({ allowed: true });
  const warnOnly = workload.containers.every((c) => collectSettings(workload.annotations, undefined, c).chosen['on-error'].word === 'warn');
  if (warnOnly) return reply({ allowed: true, warnings: problems });
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more: ${problems.slice(1).join('; ')})` : '';
  return reply({ allowed: false, status: { code: 400, message: `${problems[0]}${more}` }, warnings: problems });
}
