;; The PNG scanlines of a grey model input sent as RGB (prepare.ts, greyScanlineRows), sixteen
;; pixels per instruction: each row is the filter type (None for row 0, Up after it), then each
;; pixel's difference from the pixel above, modulo 256, three times (R, G, B). Returns the zlib
;; Adler-32 of the rows continued from the one given, computed per row from two sums over the
;; differences exactly as greyScanlineRows does. Pointers are byte addresses in this module's
;; memory: the grey plane (size × size bytes, size a multiple of 16) and the rows' output.
;; Compiled by scripts/wasm.mjs into scanlinesWasm.ts (a test checks the two agree).
(module
  (memory (export "memory") 1)

  ;; Rows [from, to) of the image at $grey into $out (row `from` first, 3 size + 1 bytes each);
  ;; returns the Adler-32 continued from $adler.
  (func (export "greyRows")
    (param $grey i32) (param $size i32) (param $from i32) (param $to i32) (param $out i32) (param $adler i32)
    (result i32)
    (local $y i32) (local $c i32) (local $p i32) (local $end i32) (local $o i32) (local $x i32)
    (local $d v128) (local $sums v128) (local $weighted v128) (local $block v128) (local $sum i64)
    (local $w i64) (local $a i64) (local $b i64) (local $filter i64) (local $length i64)
    (local.set $a (i64.extend_i32_u (i32.and (local.get $adler) (i32.const 0xffff))))
    (local.set $b (i64.extend_i32_u (i32.shr_u (local.get $adler) (i32.const 16))))
    (local.set $length (i64.extend_i32_u (i32.add (i32.mul (local.get $size) (i32.const 3)) (i32.const 1))))
    (local.set $o (local.get $out))
    (local.set $y (local.get $from))
    (block $rowsDone
      (loop $nextRow
        (br_if $rowsDone (i32.ge_u (local.get $y) (local.get $to)))
        (local.set $c (i32.add (local.get $grey) (i32.mul (local.get $y) (local.get $size))))
        (local.set $p (i32.sub (local.get $c) (local.get $size)))
        (local.set $end (i32.add (local.get $c) (local.get $size)))
        (local.set $filter (select (i64.const 2) (i64.const 0) (local.get $y)))
        (i32.store8 (local.get $o) (i32.wrap_i64 (local.get $filter)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (local.set $sums (v128.const i32x4 0 0 0 0))
        (local.set $weighted (v128.const i32x4 0 0 0 0))
        (local.set $x (i32.const 0))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $c) (local.get $end)))
            ;; The differences from the row above (none above row 0: the bytes themselves).
            (local.set $d
              (if (result v128) (local.get $y)
                (then (i8x16.sub (v128.load (local.get $c)) (v128.load (local.get $p))))
                (else (v128.load (local.get $c)))))
            ;; Each difference three times: 48 bytes.
            (v128.store (local.get $o)
              (i8x16.swizzle (local.get $d) (v128.const i8x16 0 0 0 1 1 1 2 2 2 3 3 3 4 4 4 5)))
            (v128.store offset=16 (local.get $o)
              (i8x16.swizzle (local.get $d) (v128.const i8x16 5 5 6 6 6 7 7 7 8 8 8 9 9 9 10 10)))
            (v128.store offset=32 (local.get $o)
              (i8x16.swizzle (local.get $d) (v128.const i8x16 10 11 11 11 12 12 12 13 13 13 14 14 14 15 15 15)))
            ;; Σ d_j over the block (four partial sums), and Σ j · d_j = x · Σ d + Σ t · d_(x+t).
            (local.set $block
              (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $d))))
            (local.set $sums (i32x4.add (local.get $sums) (local.get $block)))
            (local.set $weighted
              (i32x4.add (local.get $weighted)
                (i32x4.add
                  (i32x4.mul (local.get $block) (i32x4.splat (local.get $x)))
                  (i32x4.add
                    (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_u (local.get $d))
                      (v128.const i16x8 0 1 2 3 4 5 6 7))
                    (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_u (local.get $d))
                      (v128.const i16x8 8 9 10 11 12 13 14 15))))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $o (i32.add (local.get $o) (i32.const 48)))
            (local.set $x (i32.add (local.get $x) (i32.const 16)))
            (br $next)))
        ;; Both sums fit 32 bits: Σ j · d_j ≤ 255 · Σ j < 2^31 for a 1024-wide row.
        (local.set $sum (i64.extend_i32_u
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $sums)) (i32x4.extract_lane 1 (local.get $sums)))
            (i32.add (i32x4.extract_lane 2 (local.get $sums)) (i32x4.extract_lane 3 (local.get $sums))))))
        (local.set $w (i64.extend_i32_u
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $weighted)) (i32x4.extract_lane 1 (local.get $weighted)))
            (i32.add (i32x4.extract_lane 2 (local.get $weighted)) (i32x4.extract_lane 3 (local.get $weighted))))))
        ;; The row's L bytes are f, then each d_j three times: a gains f + 3 Σ d_j, and
        ;; b gains L · a + L · f + (3L − 6) · Σ d_j − 9 · Σ j · d_j (never negative).
        (local.set $b
          (i64.rem_u
            (i64.sub
              (i64.add
                (i64.add (local.get $b) (i64.mul (local.get $length) (local.get $a)))
                (i64.add
                  (i64.mul (local.get $length) (local.get $filter))
                  (i64.mul (i64.sub (i64.mul (i64.const 3) (local.get $length)) (i64.const 6)) (local.get $sum))))
              (i64.mul (i64.const 9) (local.get $w)))
            (i64.const 65521)))
        (local.set $a
          (i64.rem_u
            (i64.add (i64.add (local.get $a) (local.get $filter)) (i64.mul (i64.const 3) (local.get $sum)))
            (i64.const 65521)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $nextRow)))
    (i32.wrap_i64 (i64.or (i64.shl (local.get $b) (i64.const 16)) (local.get $a))))
)
