import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { oclifArgs, oclifFlags } from '../lib/flags';
import act from '../actions/validate';
import type { ValidateResult } from '../lib/validate';

/** Validate is `vaoci validate FILE…`: are a workload's vaoci.io/ annotations right? */
export default class Validate extends VaociCommand {
  static summary = 'Check the vaoci.io/ annotations of workloads: annotations JSON, OCI config.json, Kubernetes YAML.';

  static description = `Reads each FILE — a JSON object of annotations, an OCI bundle's config.json, or Kubernetes YAML or JSON (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, List; several documents per file) — and checks every vaoci.io/ annotation of every workload with the same grammar the runtime wrapper and hook use, for every container: one line per problem naming the key, the value and what was expected. In Kubernetes files a per-container key (vaoci.io/KEY.NAME) must name one of the pod's containers. With --node-config, also checks a node config against schemas/node-config.schema.json. With --json, prints schemas/cli-validate.schema.json.

${EXIT_CODES_HELP}`;

  static examples = [
    '<%= config.bin %> <%= command.id %> deployment.yaml',
    '<%= config.bin %> <%= command.id %> pod.yaml bundle/config.json annotations.json',
    '<%= config.bin %> <%= command.id %> deployment.yaml --node-config /etc/vaoci/config.json --json',
  ];

  static strict = act.strict;

  static args = oclifArgs(act.args);

  static flags = oclifFlags(act.flags);

  async run(): Promise<ValidateResult> {
    return act.run(await this.parse(Validate), this.output);
  }
}
