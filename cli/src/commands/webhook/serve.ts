import { Flags } from '@oclif/core';
import { VaociCommand, EXIT_CODES_HELP } from '../../lib/command';
import { badInput } from '../../lib/errors';
import { countFlag, inputFileFlag } from '../../lib/flags';
import { serve } from '../../lib/webhook/server';

/** WebhookServe is `vaoci webhook serve`: the validating admission webhook for vaoci.io/ annotations. */
export default class WebhookServe extends VaociCommand {
  static summary = 'Serve the admission webhook that refuses Pods with bad vaoci.io/ annotations.';

  static description = `An HTTPS server for a ValidatingWebhookConfiguration: POST /validate answers an AdmissionReview (admission.k8s.io/v1). A Pod whose vaoci.io/ annotations break the grammar, or whose per-container key names no container of it, is denied with the same line the runtime wrapper would refuse it with (the first line, and the rest after it); under vaoci.io/on-error: warn it is admitted with the lines as warnings. Other kinds are admitted. GET /healthz answers 200. The certificate is re-read when its file changes. Runs until stopped.

${EXIT_CODES_HELP}`;

  static examples = [
    '<%= config.bin %> <%= command.id %> --tls-cert /tls/tls.crt --tls-key /tls/tls.key',
    '<%= config.bin %> <%= command.id %> --port 9443 --address 127.0.0.1 --tls-cert cert.pem --tls-key key.pem',
  ];

  static flags = {
    port: countFlag('port', 0, 65535, 'The port to listen on (default 8443; 0 picks a free one).', { default: 8443 }),
    address: Flags.string({ summary: 'The address to listen on (default all).', default: '0.0.0.0' }),
    'tls-cert': inputFileFlag('tls-cert', 'The serving certificate (PEM).'),
    'tls-key': inputFileFlag('tls-key', 'Its private key (PEM).'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(WebhookServe);
    if (!flags['tls-cert'] || !flags['tls-key'])
      throw badInput(`--${flags['tls-cert'] ? 'tls-key' : 'tls-cert'}: missing — expected a PEM file`);
    const { port } = await serve({
      port: flags.port as number,
      host: flags.address,
      cert: flags['tls-cert'],
      key: flags['tls-key'],
      log: (l) => this.log(l),
    });
    this.log(`vaoci webhook: listening on https://${flags.address}:${port}/validate`);
    await new Promise(() => undefined); // until a signal ends the process
  }
}
