import { VaociCommand, EXIT_CODES_HELP } from '../lib/command';
import { filesArg, inputFileFlag } from '../lib/flags';
import { type ValidateResult, renderValidate, validateFiles, validateOutcome } from '../lib/validate';

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

  static strict = false;

  static args = { files: filesArg('Files to check: annotations JSON, OCI config.json, Kubernetes YAML or JSON.') };

  static flags = {
    'node-config': inputFileFlag('node-config', 'Also check this node config (/etc/vaoci/config.json).'),
  };

  async run(): Promise<ValidateResult> {
    const { argv, flags } = await this.parse(Validate);
    const result = validateFiles(argv as string[], flags['node-config']);
    this.log(renderValidate(result));
    return validateOutcome(result);
  }
}
