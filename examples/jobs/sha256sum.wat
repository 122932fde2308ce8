;; sha256sum: a Shoal job (WASI preview 1) that hashes every file of its inputs.
;; Walks /in/<i>/ for every input i and writes /out/SHA256SUMS, one line per file, in the format of
;; GNU sha256sum: "<64 hex digits>  <path relative to its input>\n", in directory order (the
;; runner lists each folder sorted by name). Exit codes: 0 done, 10 readdir failed, 11 a name too
;; long, 12 folders nested too deep, 13 open failed, 14 read failed, 15 write failed.
;; Build: npm run build:jobs (wabt), or any WAT assembler: wat2wasm sha256sum.wat
(module
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 4)

  ;; Layout: 0..63 scratch, 64 iovecs of a line, 256 hex + two spaces, 340 "\n",
  ;; 1024 H[8], 1088 W[64], 1344 block[64], 1408 block length, 1416 total length (i64),
  ;; 1536 K[64] (big-endian), 1800 hex digits, 1824 "SHA256SUMS", 4096 path (4 KiB),
  ;; 65536 read buffer (64 KiB), 131072 + 4096*depth readdir buffers (16 levels).
  (data (i32.const 256) "                                                                  ")
  (data (i32.const 340) "\n")
  (data (i32.const 1536) "\42\8a\2f\98\71\37\44\91\b5\c0\fb\cf\e9\b5\db\a5\39\56\c2\5b\59\f1\11\f1\92\3f\82\a4\ab\1c\5e\d5")
  (data (i32.const 1568) "\d8\07\aa\98\12\83\5b\01\24\31\85\be\55\0c\7d\c3\72\be\5d\74\80\de\b1\fe\9b\dc\06\a7\c1\9b\f1\74")
  (data (i32.const 1600) "\e4\9b\69\c1\ef\be\47\86\0f\c1\9d\c6\24\0c\a1\cc\2d\e9\2c\6f\4a\74\84\aa\5c\b0\a9\dc\76\f9\88\da")
  (data (i32.const 1632) "\98\3e\51\52\a8\31\c6\6d\b0\03\27\c8\bf\59\7f\c7\c6\e0\0b\f3\d5\a7\91\47\06\ca\63\51\14\29\29\67")
  (data (i32.const 1664) "\27\b7\0a\85\2e\1b\21\38\4d\2c\6d\fc\53\38\0d\13\65\0a\73\54\76\6a\0a\bb\81\c2\c9\2e\92\72\2c\85")
  (data (i32.const 1696) "\a2\bf\e8\a1\a8\1a\66\4b\c2\4b\8b\70\c7\6c\51\a3\d1\92\e8\19\d6\99\06\24\f4\0e\35\85\10\6a\a0\70")
  (data (i32.const 1728) "\19\a4\c1\16\1e\37\6c\08\27\48\77\4c\34\b0\bc\b5\39\1c\0c\b3\4e\d8\aa\4a\5b\9c\ca\4f\68\2e\6f\f3")
  (data (i32.const 1760) "\74\8f\82\ee\78\a5\63\6f\84\c8\78\14\8c\c7\02\08\90\be\ff\fa\a4\50\6c\eb\be\f9\a3\f7\c6\71\78\f2")
  (data (i32.const 1800) "0123456789abcdef")
  (data (i32.const 1824) "SHA256SUMS")

  (global $out (mut i32) (i32.const 0))

  (func $be32 (param $p i32) (result i32)
    (i32.or
      (i32.or (i32.shl (i32.load8_u (local.get $p)) (i32.const 24)) (i32.shl (i32.load8_u offset=1 (local.get $p)) (i32.const 16)))
      (i32.or (i32.shl (i32.load8_u offset=2 (local.get $p)) (i32.const 8)) (i32.load8_u offset=3 (local.get $p)))))

  (func $init
    (i32.store (i32.const 1024) (i32.const 0x6a09e667))
    (i32.store (i32.const 1028) (i32.const 0xbb67ae85))
    (i32.store (i32.const 1032) (i32.const 0x3c6ef372))
    (i32.store (i32.const 1036) (i32.const 0xa54ff53a))
    (i32.store (i32.const 1040) (i32.const 0x510e527f))
    (i32.store (i32.const 1044) (i32.const 0x9b05688c))
    (i32.store (i32.const 1048) (i32.const 0x1f83d9ab))
    (i32.store (i32.const 1052) (i32.const 0x5be0cd19))
    (i32.store (i32.const 1408) (i32.const 0))
    (i64.store (i32.const 1416) (i64.const 0)))

  ;; One 64-byte block at $p into H.
  (func $block (param $p i32)
    (local $t i32) (local $x i32) (local $y i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32) (local $f i32) (local $g i32) (local $h i32)
    (local $t1 i32) (local $t2 i32)
    (local.set $t (i32.const 0))
    (loop $load
      (i32.store (i32.add (i32.const 1088) (i32.shl (local.get $t) (i32.const 2))) (call $be32 (i32.add (local.get $p) (i32.shl (local.get $t) (i32.const 2)))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br_if $load (i32.lt_u (local.get $t) (i32.const 16))))
    (loop $expand
      (local.set $x (i32.load (i32.add (i32.const 1088) (i32.shl (i32.sub (local.get $t) (i32.const 15)) (i32.const 2)))))
      (local.set $y (i32.load (i32.add (i32.const 1088) (i32.shl (i32.sub (local.get $t) (i32.const 2)) (i32.const 2)))))
      (i32.store (i32.add (i32.const 1088) (i32.shl (local.get $t) (i32.const 2)))
        (i32.add
          (i32.add
            (i32.load (i32.add (i32.const 1088) (i32.shl (i32.sub (local.get $t) (i32.const 16)) (i32.const 2))))
            (i32.xor (i32.xor (i32.rotr (local.get $x) (i32.const 7)) (i32.rotr (local.get $x) (i32.const 18))) (i32.shr_u (local.get $x) (i32.const 3))))
          (i32.add
            (i32.load (i32.add (i32.const 1088) (i32.shl (i32.sub (local.get $t) (i32.const 7)) (i32.const 2))))
            (i32.xor (i32.xor (i32.rotr (local.get $y) (i32.const 17)) (i32.rotr (local.get $y) (i32.const 19))) (i32.shr_u (local.get $y) (i32.const 10))))))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br_if $expand (i32.lt_u (local.get $t) (i32.const 64))))
    (local.set $a (i32.load (i32.const 1024)))
    (local.set $b (i32.load (i32.const 1028)))
    (local.set $c (i32.load (i32.const 1032)))
    (local.set $d (i32.load (i32.const 1036)))
    (local.set $e (i32.load (i32.const 1040)))
    (local.set $f (i32.load (i32.const 1044)))
    (local.set $g (i32.load (i32.const 1048)))
    (local.set $h (i32.load (i32.const 1052)))
    (local.set $t (i32.const 0))
    (loop $round
      (local.set $t1
        (i32.add
          (i32.add (local.get $h) (i32.xor (i32.xor (i32.rotr (local.get $e) (i32.const 6)) (i32.rotr (local.get $e) (i32.const 11))) (i32.rotr (local.get $e) (i32.const 25))))
          (i32.add
            (i32.xor (i32.and (local.get $e) (local.get $f)) (i32.and (i32.xor (local.get $e) (i32.const -1)) (local.get $g)))
            (i32.add
              (call $be32 (i32.add (i32.const 1536) (i32.shl (local.get $t) (i32.const 2))))
              (i32.load (i32.add (i32.const 1088) (i32.shl (local.get $t) (i32.const 2))))))))
      (local.set $t2
        (i32.add
          (i32.xor (i32.xor (i32.rotr (local.get $a) (i32.const 2)) (i32.rotr (local.get $a) (i32.const 13))) (i32.rotr (local.get $a) (i32.const 22)))
          (i32.xor (i32.xor (i32.and (local.get $a) (local.get $b)) (i32.and (local.get $a) (local.get $c))) (i32.and (local.get $b) (local.get $c)))))
      (local.set $h (local.get $g))
      (local.set $g (local.get $f))
      (local.set $f (local.get $e))
      (local.set $e (i32.add (local.get $d) (local.get $t1)))
      (local.set $d (local.get $c))
      (local.set $c (local.get $b))
      (local.set $b (local.get $a))
      (local.set $a (i32.add (local.get $t1) (local.get $t2)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br_if $round (i32.lt_u (local.get $t) (i32.const 64))))
    (i32.store (i32.const 1024) (i32.add (i32.load (i32.const 1024)) (local.get $a)))
    (i32.store (i32.const 1028) (i32.add (i32.load (i32.const 1028)) (local.get $b)))
    (i32.store (i32.const 1032) (i32.add (i32.load (i32.const 1032)) (local.get $c)))
    (i32.store (i32.const 1036) (i32.add (i32.load (i32.const 1036)) (local.get $d)))
    (i32.store (i32.const 1040) (i32.add (i32.load (i32.const 1040)) (local.get $e)))
    (i32.store (i32.const 1044) (i32.add (i32.load (i32.const 1044)) (local.get $f)))
    (i32.store (i32.const 1048) (i32.add (i32.load (i32.const 1048)) (local.get $g)))
    (i32.store (i32.const 1052) (i32.add (i32.load (i32.const 1052)) (local.get $h))))

  ;; Adds one byte to the pending block, hashing it when full.
  (func $byte (param $v i32)
    (local $n i32)
    (local.set $n (i32.load (i32.const 1408)))
    (i32.store8 (i32.add (i32.const 1344) (local.get $n)) (local.get $v))
    (local.set $n (i32.add (local.get $n) (i32.const 1)))
    (if (i32.eq (local.get $n) (i32.const 64))
      (then (call $block (i32.const 1344)) (local.set $n (i32.const 0))))
    (i32.store (i32.const 1408) (local.get $n)))

  (func $update (param $p i32) (param $len i32)
    (i64.store (i32.const 1416) (i64.add (i64.load (i32.const 1416)) (i64.extend_i32_u (local.get $len))))
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (if (i32.and (i32.eqz (i32.load (i32.const 1408))) (i32.ge_u (local.get $len) (i32.const 64)))
          (then
            (call $block (local.get $p))
            (local.set $p (i32.add (local.get $p) (i32.const 64)))
            (local.set $len (i32.sub (local.get $len) (i32.const 64))))
          (else
            (call $byte (i32.load8_u (local.get $p)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (local.set $len (i32.sub (local.get $len) (i32.const 1)))))
        (br $more))))

  ;; Pads, hashes the last block(s) and writes the digest as 64 hex digits at 256.
  (func $final
    (local $bits i64) (local $i i32) (local $v i32)
    (local.set $bits (i64.shl (i64.load (i32.const 1416)) (i64.const 3)))
    (call $byte (i32.const 0x80))
    (block $padded (loop $pad
      (br_if $padded (i32.eq (i32.load (i32.const 1408)) (i32.const 56)))
      (call $byte (i32.const 0))
      (br $pad)))
    (local.set $i (i32.const 56))
    (loop $len
      (call $byte (i32.wrap_i64 (i64.and (i64.shr_u (local.get $bits) (i64.extend_i32_u (i32.shl (i32.sub (i32.const 63) (local.get $i)) (i32.const 3)))) (i64.const 0xff))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $len (i32.lt_u (local.get $i) (i32.const 64))))
    (local.set $i (i32.const 0))
    (loop $hex
      (local.set $v (i32.load8_u (i32.add (i32.const 1024) (i32.xor (local.get $i) (i32.const 3)))))
      (i32.store8 (i32.add (i32.const 256) (i32.shl (local.get $i) (i32.const 1))) (i32.load8_u (i32.add (i32.const 1800) (i32.shr_u (local.get $v) (i32.const 4)))))
      (i32.store8 (i32.add (i32.const 257) (i32.shl (local.get $i) (i32.const 1))) (i32.load8_u (i32.add (i32.const 1800) (i32.and (local.get $v) (i32.const 15)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $hex (i32.lt_u (local.get $i) (i32.const 32)))))

  ;; Hashes the open file $fd and writes its line; the path is the $plen bytes at 4096.
  (func $file (param $fd i32) (param $plen i32)
    (local $n i32)
    (call $init)
    (block $eof (loop $read
      (i32.store (i32.const 0) (i32.const 65536))
      (i32.store (i32.const 4) (i32.const 65536))
      (if (call $fd_read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 24)) (then (call $proc_exit (i32.const 14))))
      (local.set $n (i32.load (i32.const 24)))
      (br_if $eof (i32.eqz (local.get $n)))
      (call $update (i32.const 65536) (local.get $n))
      (br $read)))
    (call $final)
    (i32.store (i32.const 64) (i32.const 256))
    (i32.store (i32.const 68) (i32.const 66))
    (i32.store (i32.const 72) (i32.const 4096))
    (i32.store (i32.const 76) (local.get $plen))
    (i32.store (i32.const 80) (i32.const 340))
    (i32.store (i32.const 84) (i32.const 1))
    (if (call $fd_write (global.get $out) (i32.const 64) (i32.const 3) (i32.const 24)) (then (call $proc_exit (i32.const 15)))))

  ;; Visits the folder $dir: files are hashed, folders walked; the path so far is the $plen bytes at 4096.
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
    ;; /out is fd 4: create SHA256SUMS there.
    (if (call $path_open (i32.const 4) (i32.const 0) (i32.const 1824) (i32.const 10) (i32.const 9) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 32)) (then (call $proc_exit (i32.const 13))))
    (global.set $out (i32.load (i32.const 32)))
    ;; /in is fd 3.
    (call $walk (i32.const 3) (i32.const 0) (i32.const 0))))
