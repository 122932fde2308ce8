;; wordcount: a Shoal job (WASI preview 1) that counts lines, words and bytes, as `wc` does.
;; Walks /in/<i>/ for every input i and writes /out/wordcount.txt: one line per file,
;; "<lines> <words> <bytes> <path relative to its input>\n" in directory order (the runner lists
;; each folder sorted by name), then "<lines> <words> <bytes> total\n". A word is a run of bytes
;; other than space, \t, \n, \v, \f, \r; a line is a "\n". Exit codes: 0 done, 10 readdir failed,
;; 11 a name too long, 12 folders nested too deep, 13 open failed, 14 read failed, 15 write failed.
;; Build: npm run build:jobs (wabt), or any WAT assembler: wat2wasm wordcount.wat
(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 4)

  ;; Layout: 0..63 scratch, 64 iovec, 1824 "wordcount.txt", 1840 " total\n", 4096 path (4 KiB),
  ;; 12288 line being written, 65536 read buffer (64 KiB), 131072 + 4096*depth readdir buffers.
  (data (i32.const 1824) "wordcount.txt")
  (data (i32.const 1840) "total")

  (global $out (mut i32) (i32.const 0))
  (global $lines (mut i32) (i32.const 0))
  (global $words (mut i32) (i32.const 0))
  (global $bytes (mut i32) (i32.const 0))

  ;; Writes $v in decimal at $p; returns the digits' count.
  (func $utoa (param $v i32) (param $p i32) (result i32)
    (local $n i32) (local $i i32) (local $t i32)
    (local.set $t (local.get $v))
    (loop $count
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
      (br_if $count (i32.ne (local.get $t) (i32.const 0))))
    (local.set $i (local.get $n))
    (loop $digit
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (i32.store8 (i32.add (local.get $p) (local.get $i)) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $digit (i32.ne (local.get $i) (i32.const 0))))
    (local.get $n))

  ;; Writes "<lines> <words> <bytes> <name>\n" where name is the $len bytes at $name.
  (func $line (param $l i32) (param $w i32) (param $b i32) (param $name i32) (param $len i32)
    (local $p i32)
    (local.set $p (i32.const 12288))
    (local.set $p (i32.add (local.get $p) (call $utoa (local.get $l) (local.get $p))))
    (i32.store8 (local.get $p) (i32.const 32))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (local.set $p (i32.add (local.get $p) (call $utoa (local.get $w) (local.get $p))))
    (i32.store8 (local.get $p) (i32.const 32))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (local.set $p (i32.add (local.get $p) (call $utoa (local.get $b) (local.get $p))))
    (i32.store8 (local.get $p) (i32.const 32))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (memory.copy (local.get $p) (local.get $name) (local.get $len))
    (local.set $p (i32.add (local.get $p) (local.get $len)))
    (i32.store8 (local.get $p) (i32.const 10))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (i32.store (i32.const 64) (i32.const 12288))
    (i32.store (i32.const 68) (i32.sub (local.get $p) (i32.const 12288)))
    (if (call $fd_write (global.get $out) (i32.const 64) (i32.const 1) (i32.const 24)) (then (call $proc_exit (i32.const 15)))))

  ;; Counts the open file $fd and writes its line; the path is the $plen bytes at 4096.
  (func $file (param $fd i32) (param $plen i32)
    (local $n i32) (local $i i32) (local $c i32) (local $space i32) (local $inword i32)
    (local $l i32) (local $w i32) (local $b i32)
    (block $eof (loop $read
      (i32.store (i32.const 0) (i32.const 65536))
      (i32.store (i32.const 4) (i32.const 65536))
      (if (call $fd_read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 24)) (then (call $proc_exit (i32.const 14))))
      (local.set $n (i32.load (i32.const 24)))
      (br_if $eof (i32.eqz (local.get $n)))
      (local.set $b (i32.add (local.get $b) (local.get $n)))
      (local.set $i (i32.const 0))
      (loop $scan
        (local.set $c (i32.load8_u (i32.add (i32.const 65536) (local.get $i))))
        (if (i32.eq (local.get $c) (i32.const 10)) (then (local.set $l (i32.add (local.get $l) (i32.const 1)))))
        ;; Space, or \t \n \v \f \r (9..13).
        (local.set $space (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.lt_u (i32.sub (local.get $c) (i32.const 9)) (i32.const 5))))
        (if (i32.and (i32.eqz (local.get $space)) (i32.eqz (local.get $inword))) (then (local.set $w (i32.add (local.get $w) (i32.const 1)))))
        (local.set $inword (i32.eqz (local.get $space)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $scan (i32.lt_u (local.get $i) (local.get $n))))
      (br $read)))
    (global.set $lines (i32.add (global.get $lines) (local.get $l)))
    (global.set $words (i32.add (global.get $words) (local.get $w)))
    (global.set $bytes (i32.add (global.get $bytes) (local.get $b)))
    (call $line (local.get $l) (local.get $w) (local.get $b) (i32.const 4096) (local.get $plen)))

  ;; Visits the folder $dir: files are counted, folders walked; the path so far is the $plen bytes at 4096.
  ;; At depth 0 (/in itself) the entries are the inputs' numbers, which are left out of the paths.
  (func $walk (param $dir i32) (param $depth i32) (param $plen i32)
    (local $cookie i64) (local $buf i32) (local $used i32) (local $pos i32) (local $namelen i32) (local $name i32) (local $type i32) (local $fd i32) (local $len i32)
    (if (i32.ge_u (local.get $depth) (i32.const 16)) (then (call $proc_exit (i32.const 12))))
    (local.set $buf (i32.add (i32.const 131072) (i32.shl (local.get $depth) (i32.const 12))))
    (block $end (loop $batch
      (if (call $fd_readdir (local.get $dir) (local.get $buf) (i32.const 4096) (local.get $cookie) (i32.const 16)) (then (call $proc_exit (i32.const 10))))
      (local.set $used (i32.load (i32.const 16)))
      (br_if $end (i32.eqz (local.get $used)))
      (local.set $pos (i32.const 0))
      (block $batch_done (loop $entry
        (br_if $batch_done (i32.gt_u (i32.add (local.get $pos) (i32.const 24)) (local.get $used)))
        (local.set $namelen (i32.load offset=16 (i32.add (local.get $buf) (local.get $pos))))
        (br_if $batch_done (i32.gt_u (i32.add (i32.add (local.get $pos) (i32.const 24)) (local.get $namelen)) (local.get $used)))
        (local.set $type (i32.load8_u offset=20 (i32.add (local.get $buf) (local.get $pos))))
        (local.set $name (i32.add (i32.add (local.get $buf) (local.get $pos)) (i32.const 24)))
        (local.set $cookie (i64.load (i32.add (local.get $buf) (local.get $pos))))
        (local.set $pos (i32.add (i32.add (local.get $pos) (i32.const 24)) (local.get $namelen)))
        ;; Skips "." and "..".
        (br_if $entry (i32.and (i32.eq (local.get $namelen) (i32.const 1)) (i32.eq (i32.load8_u (local.get $name)) (i32.const 46))))
        (br_if $entry (i32.and (i32.eq (local.get $namelen) (i32.const 2)) (i32.eq (i32.load16_u (local.get $name)) (i32.const 0x2e2e))))
        (local.set $len (local.get $plen))
        (if (i32.gt_u (local.get $depth) (i32.const 0))
          (then
            (if (i32.gt_u (i32.add (local.get $plen) (local.get $namelen)) (i32.const 4000)) (then (call $proc_exit (i32.const 11))))
            (memory.copy (i32.add (i32.const 4096) (local.get $plen)) (local.get $name) (local.get $namelen))
            (local.set $len (i32.add (local.get $plen) (local.get $namelen)))))
        (if (i32.eq (local.get $type) (i32.const 3))
          (then
            (if (call $path_open (local.get $dir) (i32.const 0) (local.get $name) (local.get $namelen) (i32.const 2) (i64.const 0x6002) (i64.const 0x6002) (i32.const 0) (i32.const 20)) (then (call $proc_exit (i32.const 13))))
            (local.set $fd (i32.load (i32.const 20)))
            (if (i32.gt_u (local.get $depth) (i32.const 0))
              (then
                (i32.store8 (i32.add (i32.const 4096) (local.get $len)) (i32.const 47))
                (local.set $len (i32.add (local.get $len) (i32.const 1)))))
            (call $walk (local.get $fd) (i32.add (local.get $depth) (i32.const 1)) (local.get $len))
            (drop (call $fd_close (local.get $fd)))))
        (if (i32.eq (local.get $type) (i32.const 4))
          (then
            (if (call $path_open (local.get $dir) (i32.const 0) (local.get $name) (local.get $namelen) (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 20)) (then (call $proc_exit (i32.const 13))))
            (local.set $fd (i32.load (i32.const 20)))
            (call $file (local.get $fd) (local.get $len))
            (drop (call $fd_close (local.get $fd)))))
        (br $entry)))
      ;; A short batch was the folder's last.
      (br_if $end (i32.lt_u (local.get $used) (i32.const 4096)))
      (br $batch))))

  (func (export "_start")
    ;; /out is fd 4: create wordcount.txt there.
    (if (call $path_open (i32.const 4) (i32.const 0) (i32.const 1824) (i32.const 13) (i32.const 9) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 32)) (then (call $proc_exit (i32.const 13))))
    (global.set $out (i32.load (i32.const 32)))
    ;; /in is fd 3.
    (call $walk (i32.const 3) (i32.const 0) (i32.const 0))
    (call $line (global.get $lines) (global.get $words) (global.get $bytes) (i32.const 1840) (i32.const 5))))
