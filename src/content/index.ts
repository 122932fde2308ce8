/** Content addressing: manifests, content IDs, piece layout, Merkle roots, signing and links. */
export * from './manifest.js'
export * from './piece-size.js'
export * from './layout.js'
export * from './merkle.js'
export * from './build.js'
export * from './envelope.js'
export * from './link.js'
