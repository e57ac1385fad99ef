/** `vaoci images`: what the layer cache of vaoci run holds. */
import { asFailure } from '../lib/image/cache';
import { type ImagesResult, listImages, renderImages } from '../lib/image/cache-list';
import { StateDir } from '../lib/run/state';
import { action } from './action';

export default action<ImagesResult>({
  id: 'images',
  strict: true,
  args: {},
  flags: {},
  async run(_parsed, out) {
    const state = new StateDir();
    let result: ImagesResult;
    try {
      result = listImages(state.cache, state.list());
    } catch (e) {
      asFailure(e);
    }
    out.log(renderImages(result));
    return result;
  },
});
