/** `vaoci ps`: the containers vaoci run made. */
import { renderPs } from '../lib/run/render';
import { type ContainerEntry, StateDir } from '../lib/run/state';
import { action } from './action';

export default action<{ containers: ContainerEntry[] }>({
  id: 'ps',
  strict: true,
  args: {},
  flags: {},
  async run(_parsed, out) {
    const containers = new StateDir().list();
    out.log(renderPs(containers));
    return { containers };
  },
});
