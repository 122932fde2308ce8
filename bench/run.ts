/**
 * `npm run bench [-- --quick] [scenario...]`: Shoal's benchmarks. Each scenario prints one line
 * with its figures and the ratios measured in the same run (this machine is shared and noisy, so
 * absolute times alone mean little). Results are also written as JSON to bench/results/.
 * Scenarios: two-peer, small-file, small-file-daemon (1 KiB between two running daemons), small-folder (many 1 KiB files in one folder), memory, many-sources, flash-crowd, replicate (the last three need
 * root and ../shared/netlab); only when named: browser (the web page in headless Chromium), big-crowd (--n=48) and dht-scale (--nodes=100 --gets=500
 * --churn=0.3) and nat (home routers: direct, reversed, punched and relayed pairs), in netlab too, compute (jobs on three loopback workers against the same module run locally), compute-map (map in netlab with and without data-local placement) and
 * under-attack (an honest get beside hostile peers pressing on the seeder's memory, on loopback; --attack-seconds=120).
 * Flags: --quick (smaller files, fewer rounds), --n=2,4 (flash-crowd sizes),
 * --no-http (flash-crowd without the client-server baseline), --no-aria2 (without the BitTorrent baseline: aria2c
 * and mktorrent, from Debian's packages, with the benchmark's own tracker), --piece-size=256k (the lab scenarios
 * share with that piece size instead of the default). two-peer and small-file also time aria2c over HTTP
 * (installed from Debian's `aria2` when missing and root; skipped with the reason otherwise).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ROOT } from './lib/shoal-cli.js'
import { twoPeer } from './scenarios/two-peer.js'
import { smallFile } from './scenarios/small-file.js'
import { memory } from './scenarios/memory.js'
import { smallFolder } from './scenarios/small-folder.js'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const chosen = args.filter(a => !a.startsWith('--'))
const all = ['two-peer', 'small-file', 'small-file-daemon', 'small-folder', 'memory', 'many-sources', 'flash-crowd', 'replicate']
/** Scenarios run only when named. */
const extra = ['big-crowd', 'dht-scale', 'compute', 'compute-map', 'browser', 'nat', 'under-attack']
const scenarios = chosen.length > 0 ? chosen : all

const f = (n: number, digits = 0): string => n.toFixed(digits)
const results: Record<string, unknown> = { date: new Date().toISOString(), quick }

for (const name of scenarios) {
  if (name === 'two-peer') {
    const r = await twoPeer({ quick, rounds: quick ? 3 : 5 })
    results[name] = r
    console.log(`two-peer ${f(r.bytes / 2 ** 20)} MiB: shoal ${f(r.shoalMBps)} MB/s, http ${f(r.httpMBps)} MB/s, ratio ${f(r.ratio, 2)} (target >= 0.6); ` +
      `CPU s per GiB: get ${f(r.getCpuPerGiB, 2)} received, seed ${f(r.seedCpuPerGiB, 2)} sent (curl ${f(r.curlCpuPerGiB, 2)} received, http server ${f(r.httpServerCpuPerGiB, 2)} sent); ` +
      `peak RSS get ${f(r.getPeakMiB)} MiB seed ${f(r.seedPeakMiB)} MiB; ` +
      (r.aria2Skipped !== undefined ? `aria2 skipped: ${r.aria2Skipped}` : `aria2c (HTTP) ${f(r.aria2MBps ?? 0)} MB/s, shoal/aria2 ${f(r.ratioToAria2 ?? 0, 2)}, aria2c ${f(r.aria2CpuPerGiB ?? 0, 2)} CPU s per GiB received`))
  } else if (name === 'small-file') {
    const r = await smallFile({ rounds: quick ? 5 : 15 })
    results[name] = r
    console.log(`small-file 1 KiB: shoal get to done ${f(r.getMs, 1)} ms, http GET ${f(r.httpMs, 1)} ms, ratio ${f(r.ratio, 1)} (target <= 3); ` +
      `cold get, process start to done ${f(r.getStartToDoneMs)} ms (target < 250), CPU ${f(r.getCpuMs)} ms; ` +
      `whole commands: shoal get ${f(r.getCommandMs)} ms, curl ${f(r.curlCommandMs)} ms, ` +
      (r.aria2Skipped !== undefined ? `aria2 skipped: ${r.aria2Skipped}` : `aria2c ${f(r.aria2CommandMs ?? 0)} ms, shoal/aria2 (whole commands) ${f(r.getCommandMs / (r.aria2CommandMs ?? 1), 2)}`))
  } else if (name === 'small-file-daemon') {
    const { smallFileDaemon } = await import('./scenarios/small-file-daemon.js')
    const r = await smallFileDaemon({ rounds: quick ? 5 : 15 })
    results[name] = r
    console.log(`small-file-daemon 1 KiB, a running daemon fetching from another: GET /content/<cid> ${f(r.daemonMs, 1)} ms, http GET ${f(r.httpMs, 1)} ms, ratio ${f(r.ratio, 1)} (target <= 3)`)
  } else if (name === 'small-folder') {
    const r = await smallFolder({ rounds: quick ? 3 : 7, files: quick ? 100 : 1000, fileBytes: 1024 })
    results[name] = r
    console.log(`small-folder ${r.files} files of ${f(r.fileBytes / 1024)} KiB: whole commands shoal get ${f(r.getCommandMs)} ms (to done ${f(r.getMs)} ms), ` +
      `curl (all files, one connection) ${f(r.curlCommandMs)} ms, shoal/HTTP ${f(r.ratio, 2)}; ` +
      (r.aria2Skipped !== undefined ? `aria2 skipped: ${r.aria2Skipped}` : `aria2c -j4 ${f(r.aria2CommandMs ?? 0)} ms, shoal/aria2 ${f(r.ratioToAria2 ?? 0, 2)}`))
  } else if (name === 'memory') {
    const r = await memory({ quick })
    results[name] = r
    console.log(`memory: idle node ${f(r.idleMiB)} MiB (target <= 80); ${f(r.bytes / 2 ** 30, 2)} GiB transfer peak RSS seed ${f(r.seedPeakMiB)} MiB, get ${f(r.getPeakMiB)} MiB (target <= 250)`)
  } else if (name === 'many-sources' || name === 'flash-crowd' || name === 'big-crowd') {
    const { runLab } = await import('./scenarios/lab.js')
    const crowdArg = args.find(a => a.startsWith('--n='))
    const crowd = crowdArg !== undefined ? crowdArg.slice(4).split(',').map(Number) : undefined
    const pieceSize = args.find(a => a.startsWith('--piece-size='))?.slice('--piece-size='.length)
    const r = await runLab(name, { quick, crowd, http: !args.includes('--no-http'), aria2: !args.includes('--no-aria2'), pieceSize })
    results[name] = r
  } else if (name === 'dht-scale') {
    const { dhtScale } = await import('./scenarios/dht-scale.js')
    const value = (flag: string, fallback: number): number => Number(args.find(a => a.startsWith(`--${flag}=`))?.slice(flag.length + 3) ?? fallback)
    results[name] = await dhtScale({ nodes: value('nodes', quick ? 30 : 100), gets: value('gets', quick ? 100 : 500), churn: value('churn', 0.3), perHost: value('per-host', 4) })
  } else if (name === 'browser') {
    const { browserBench } = await import('./scenarios/browser.js')
    const r = await browserBench({ quick })
    results[name] = r
    console.log(r.skipped !== undefined
      ? `browser skipped: ${r.skipped}`
      : `browser ${f(r.bytes / 2 ** 20)} MiB: page over ws ${f(r.pageMBps, 1)} MB/s, node get ${f(r.nodeMBps, 1)} MB/s, page/node ${f(r.ratio, 2)}; ` +
        `first verified piece ${f(r.firstPieceMs)} ms after opening the page; page memory peak: renderer RSS ${f(r.rendererPeakMiB)} MiB, JS heap ${f(r.jsHeapPeakMiB)} MiB; ` +
        (r.secret !== undefined ? `secret link: sealed copy ${f(r.secret.MBps, 1)} MB/s (${f(r.secret.ratio, 2)} of plain), opened and saved at ${f(r.secret.openMBps, 1)} MB/s; ` : '') +
        (r.pagePage !== undefined
          ? `page <- page over WebRTC ${f(r.pagePage.MBps, 1)} MB/s, first verified piece ${f(r.pagePage.firstPieceMs)} ms; page<-page / page<-node: throughput ${f(r.pagePage.ratio, 2)}, first piece ${f(r.pagePage.firstPieceRatio, 2)}` +
            `${r.namespace ? ' (in a network namespace of its own)' : ''}`
          : `page <- page skipped: ${r.pagePageSkipped ?? 'not asked for'}`))
  } else if (name === 'nat') {
    const { natBench } = await import('./scenarios/nat.js')
    const r = await natBench({ quick })
    results[name] = r
    const pair = (label: string, p: { firstPieceMs: number, mbps: number, relayed: number, failed: number }): string =>
      `${label} first piece ${f(p.firstPieceMs)} ms, ${f(p.mbps, 1)} Mbit/s, relayed ${f(p.relayed / 2 ** 20, 1)} MiB${p.failed > 0 ? `, ${p.failed} gets failed` : ''}`
    console.log(`nat ${f(r.bytes / 2 ** 20)} MiB at 20 Mbit/s, 20 ms: ${pair('direct', r.pairs.direct)}; ${pair('direct, libp2p only', r.pairs.directLibp2p)}; ${pair('public<-cone', r.pairs.publicCone)}; ` +
      `${pair('cone<->cone', r.pairs.coneCone)}; ${pair('symmetric via data relay', r.pairs.symmetricRelay)}; ` +
      (r.pairs.publicUpnp !== undefined ? `${pair('public<-cone+upnp', r.pairs.publicUpnp)} (public after ${f(r.upnp.mappedMs ?? 0)} ms), upnp/direct throughput ${f(r.pairs.publicUpnp.mbps / r.pairs.direct.mbps, 2)}; ` : `upnp skipped: ${r.upnp.skipped ?? ''}; `) +
      `cone<->cone punched ${r.punch.punched}/${r.punch.attempts} (target 20/20), median get ${f(r.punch.medianMs)} ms; ` +
      `punched/direct: first piece ${f(r.ratios.coneConeFirstPiece ?? 0, 2)} (target <= 2), throughput ${f(r.ratios.coneConeThroughput ?? 0, 2)} (target >= 0.9); ` +
      `punched/libp2p-only: throughput ${f((r.pairs.coneCone.mbps / r.pairs.directLibp2p.mbps), 2)}`)
  } else if (name === 'under-attack') {
    const { underAttack } = await import('./scenarios/under-attack.js')
    const seconds = args.find(a => a.startsWith('--attack-seconds='))?.slice('--attack-seconds='.length)
    const r = await underAttack({ quick, attackSeconds: seconds !== undefined ? Number(seconds) : undefined })
    results[name] = r
    console.log(`under-attack ${f(r.bytes / 2 ** 20)} MiB in ${f(r.pieceSize / 2 ** 20)} MiB pieces: honest get alone ${r.cleanMBps.map(v => f(v)).join(' / ')} MB/s (before / after), ` +
      `beside ${r.identities} identities pressing (${r.attackedGets} gets, ${r.identitiesUsed} identities used in ${f(r.attackSeconds, 1)} s) ${f(r.attackedMBps)} MB/s, ratio ${f(r.ratio, 2)}; ` +
      `seeder peak RSS ${f(r.seedPeakMiB)} MiB (target <= 250), RSS under attack after its first 20 % ${f(r.rssLateMiB.min)}–${f(r.rssLateMiB.max)} MiB, slope ${f(r.rssSlopeMiBPerMin, 1)} MiB/min`)
  } else if (name === 'replicate') {
    const { replicateBench } = await import('./scenarios/replicate.js')
    const r = await replicateBench({ quick })
    results[name] = r
    console.log(`replicate ${f(r.bytes / 2 ** 20)} MiB to 3 holders over ${r.rateMbit} Mbit/s: ${f(r.seconds, 1)} s, fluid bound ${f(r.fluidBoundSeconds, 1)} s, ratio ${f(r.ratioToBound, 2)}; ` +
      `owner uploaded ${f(r.ownerUploadCopies, 2)} copies (target <= 1.3; client-side upload of 3 copies: 3)`)
  } else if (name === 'compute') {
    const { computeBench } = await import('./scenarios/compute.js')
    const r = await computeBench({ quick })
    results[name] = r
    console.log(`compute sha256sum of ${f(r.inputBytes / 2 ** 20)} MiB: local sandbox ${f(r.localMs)} ms, run to agreed result 1 replica ${f(r.run1Ms)} ms (x${f(r.run1Ratio, 2)}), ` +
      `3 replicas ${f(r.run3Ms)} ms (x${f(r.run3Ratio, 2)}), whole 'shoal run' command ${f(r.commandMs)} ms; ` +
      `map ${r.map.files} x ${f(r.map.fileBytes / 1024)} KiB: data on workers ${f(r.map.localMs)} ms ${f(r.map.localMovedBytes / 2 ** 20, 2)} MiB moved, on the requester only ${f(r.map.remoteMs)} ms ${f(r.map.remoteMovedBytes / 2 ** 20, 2)} MiB moved; ` +
      `get ${f(r.get.bytes / 2 ** 20)} MiB from a worker: idle ${f(r.get.idleMBps)} MB/s, while it runs a job ${f(r.get.busyMBps)} MB/s (ratio ${f(r.get.ratio, 2)}; ${r.get.overlapped}/${r.get.rounds} gets ended before the job, which took ${f(r.get.spinJobMs)} ms)`)
  } else if (name === 'compute-map') {
    const { computeMapBench } = await import('./scenarios/compute-map.js')
    const r = await computeMapBench({ quick })
    results[name] = r
    const line = (label: string, m: typeof r.local): string => `${label} ${f(m.ms)} ms, ${f(m.moved / 2 ** 20, 2)} MiB of input moved, ${m.agreed} agreed, ${m.failed} failed`
    console.log(`compute-map ${r.files} x ${f(r.fileBytes / 1024)} KiB at 20 Mbit/s, 20 ms, 4 workers (${r.local.holders} holding the data), 2 replicas: ` +
      `${line('where the data is', r.local)}; ${line('any idle worker (--no-locality)', r.anywhere)}; time without/with locality ${f(r.timeRatio, 2)}`)
  } else {
    console.error(`unknown scenario ${name}; choose from ${[...all, ...extra].join(', ')}`)
    process.exitCode = 2
  }
}
const dir = join(ROOT, 'bench', 'results')
await mkdir(dir, { recursive: true })
await writeFile(join(dir, `${quick ? 'quick' : 'full'}-${scenarios.join('+')}.json`), JSON.stringify(results, null, 2) + '\n')
