/** The node's persistent state: its database and the content's files on disk. */
export { ShoalDatabase, type ContentRecord, type ContentRole } from './database.js'
export { PieceFiles, DEFAULT_MAX_OPEN_FILES, type PieceFilesOptions } from './piece-files.js'
export { downloadPaths, checkOutputDir, commitDownload, type DownloadPaths } from './download-paths.js'
