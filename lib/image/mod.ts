/**
 * Template images: built from scratch with mmdebstrap into read-only raw
 * ext4 files, versioned by date and input hash, with a manifest each.
 *
 * @module
 */
export {
  buildImage,
  type BuildImageOptions,
  ensureImage,
  ImageBuildError,
  planImage,
} from "./build.ts";
export { MKE2FS_READS_TARBALLS } from "./ext4.ts";
export { type GcCandidate, selectForRemoval } from "./gc.ts";
export { guestContractPackages } from "./mmdebstrap_args.ts";
export {
  findCurrentImage,
  type ImageManifest,
  imagesDir,
  listImages,
  removeImage,
  setCurrent,
  type StoredImage,
  templateImagesDir,
} from "./store.ts";
