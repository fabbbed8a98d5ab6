;; The loops of the cubic B-spline resize (bspline.ts) two at a time, with f64x2: the y pass on two
;; columns, the x pass on two lines. The same IEEE operations in the same order as the JavaScript
;; loops, so the same bits. Pointers are byte addresses in this module's memory: the coefficient
;; rows (doubles), the output bytes, the x pass's interleaved lines and its taps. In the y pass `n`
;; is even: the caller does an odd last column with the JavaScript loop. The 4-tap sums and the
;; stores of two bytes are written out in each loop (V8 does not inline calls between wasm
;; functions). Compiled by scripts/wasm.mjs into simdWasm.ts (a test checks the two agree).
(module
  (memory (export "memory") 1)

  ;; Forward (causal) sweep of rows 1 … rows − 1: c[i][x] += z · c[i − 1][x], n columns from p
  ;; (row 0's address), rows `rb` bytes apart.
  (func (export "forwardSweep") (param $p i32) (param $rb i32) (param $rows i32) (param $n i32) (param $z f64)
    (local $row i32) (local $a i32) (local $end i32) (local $vz v128)
    (local.set $vz (f64x2.splat (local.get $z)))
    (local.set $row (i32.const 1))
    (block $rowsDone
      (loop $nextRow
        (br_if $rowsDone (i32.ge_s (local.get $row) (local.get $rows)))
        (local.set $a (i32.add (local.get $p) (i32.mul (local.get $row) (local.get $rb))))
        (local.set $end (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 3))))
        (block $done
          (loop $next
            (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
            (v128.store (local.get $a)
              (f64x2.add (v128.load (local.get $a))
                (f64x2.mul (local.get $vz) (v128.load (i32.sub (local.get $a) (local.get $rb))))))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (br $next)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $nextRow))))

  ;; Backward sweep of one row: c[a][x] = z · (c[a + 1][x] − c[a][x]).
  (func (export "sweepRow") (param $p i32) (param $rb i32) (param $n i32) (param $z f64)
    (local $end i32) (local $vz v128)
    (local.set $vz (f64x2.splat (local.get $z)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (local.get $p)
          (f64x2.mul (local.get $vz)
            (f64x2.sub (v128.load (i32.add (local.get $p) (local.get $rb))) (v128.load (local.get $p)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next))))

  ;; Output row at $o from rows p … p + 3 rb with weights w0 … w3, as bytes clipped to [lo, hi].
  (func (export "sampleRow")
    (param $p i32) (param $rb i32) (param $n i32)
    (param $w0 f64) (param $w1 f64) (param $w2 f64) (param $w3 f64)
    (param $o i32) (param $lo i32) (param $hi i32)
    (local $end i32) (local $vw0 v128) (local $vw1 v128) (local $vw2 v128) (local $vw3 v128)
    (local $vlo v128) (local $vhi v128) (local $t v128)
    (local.set $vw0 (f64x2.splat (local.get $w0)))
    (local.set $vw1 (f64x2.splat (local.get $w1)))
    (local.set $vw2 (f64x2.splat (local.get $w2)))
    (local.set $vw3 (f64x2.splat (local.get $w3)))
    (local.set $vlo (i32x4.splat (local.get $lo)))
    (local.set $vhi (i32x4.splat (local.get $hi)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $t (i32x4.min_s (local.get $vhi) (i32x4.max_s (local.get $vlo) (i32x4.trunc_sat_f64x2_s_zero
              (f64x2.add
                (f64x2.add
                  (f64x2.add (f64x2.mul (local.get $vw0) (v128.load (local.get $p))) (f64x2.mul (local.get $vw1) (v128.load (i32.add (local.get $p) (local.get $rb)))))
                  (f64x2.mul (local.get $vw2) (v128.load (i32.add (local.get $p) (i32.shl (local.get $rb) (i32.const 1))))))
                (f64x2.mul (local.get $vw3) (v128.load (i32.add (local.get $p) (i32.mul (local.get $rb) (i32.const 3))))))))))
        (local.set $t (i16x8.narrow_i32x4_u (local.get $t) (local.get $t)))
        (v128.store16_lane 0 (local.get $o) (i8x16.narrow_i16x8_u (local.get $t) (local.get $t)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $o (i32.add (local.get $o) (i32.const 2)))
        (br $next))))

  ;; The backward sweep of row p fused with sampling output rows at $oa (weights a0 … a3) and,
  ;; when $ob ≥ 0, $ob (weights b0 … b3), whose taps are rows p … p + 3 rb (sweepAndSample).
  (func (export "sweepAndSample")
    (param $p i32) (param $rb i32) (param $n i32) (param $z f64)
    (param $a0 f64) (param $a1 f64) (param $a2 f64) (param $a3 f64) (param $oa i32)
    (param $b0 f64) (param $b1 f64) (param $b2 f64) (param $b3 f64) (param $ob i32)
    (param $lo i32) (param $hi i32)
    (local $end i32) (local $vz v128) (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $va0 v128) (local $va1 v128) (local $va2 v128) (local $va3 v128)
    (local $vb0 v128) (local $vb1 v128) (local $vb2 v128) (local $vb3 v128) (local $vlo v128) (local $vhi v128) (local $t v128)
    (local.set $vz (f64x2.splat (local.get $z)))
    (local.set $va0 (f64x2.splat (local.get $a0)))
    (local.set $va1 (f64x2.splat (local.get $a1)))
    (local.set $va2 (f64x2.splat (local.get $a2)))
    (local.set $va3 (f64x2.splat (local.get $a3)))
    (local.set $vb0 (f64x2.splat (local.get $b0)))
    (local.set $vb1 (f64x2.splat (local.get $b1)))
    (local.set $vb2 (f64x2.splat (local.get $b2)))
    (local.set $vb3 (f64x2.splat (local.get $b3)))
    (local.set $vlo (i32x4.splat (local.get $lo)))
    (local.set $vhi (i32x4.splat (local.get $hi)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $c1 (v128.load (i32.add (local.get $p) (local.get $rb))))
        (local.set $c0 (f64x2.mul (local.get $vz) (f64x2.sub (local.get $c1) (v128.load (local.get $p)))))
        (v128.store (local.get $p) (local.get $c0))
        (local.set $c2 (v128.load (i32.add (local.get $p) (i32.shl (local.get $rb) (i32.const 1)))))
        (local.set $c3 (v128.load (i32.add (local.get $p) (i32.mul (local.get $rb) (i32.const 3)))))
        (local.set $t (i32x4.min_s (local.get $vhi) (i32x4.max_s (local.get $vlo) (i32x4.trunc_sat_f64x2_s_zero
              (f64x2.add
                (f64x2.add
                  (f64x2.add (f64x2.mul (local.get $va0) (local.get $c0)) (f64x2.mul (local.get $va1) (local.get $c1)))
                  (f64x2.mul (local.get $va2) (local.get $c2)))
                (f64x2.mul (local.get $va3) (local.get $c3)))))))
        (local.set $t (i16x8.narrow_i32x4_u (local.get $t) (local.get $t)))
        (v128.store16_lane 0 (local.get $oa) (i8x16.narrow_i16x8_u (local.get $t) (local.get $t)))
        (if (i32.ge_s (local.get $ob) (i32.const 0))
          (then
            (local.set $t (i32x4.min_s (local.get $vhi) (i32x4.max_s (local.get $vlo) (i32x4.trunc_sat_f64x2_s_zero
                  (f64x2.add
                    (f64x2.add
                      (f64x2.add (f64x2.mul (local.get $vb0) (local.get $c0)) (f64x2.mul (local.get $vb1) (local.get $c1)))
                      (f64x2.mul (local.get $vb2) (local.get $c2)))
                    (f64x2.mul (local.get $vb3) (local.get $c3)))))))
            (local.set $t (i16x8.narrow_i32x4_u (local.get $t) (local.get $t)))
            (v128.store16_lane 0 (local.get $ob) (i8x16.narrow_i16x8_u (local.get $t) (local.get $t)))
            (local.set $ob (i32.add (local.get $ob) (i32.const 2)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $oa (i32.add (local.get $oa) (i32.const 2)))
        (br $next))))
;; The x pass on two lines at a time, interleaved: pair element i (16 bytes at p + 16 i) holds
;; sample i of line a (low lane) and of line b (high lane); the JavaScript does four lines side by
;; side with the same operations per line.

  ;; prefilterLines on one pair over the window [w0, w1) of a line of n samples.
  (func (export "prefilterPair") (param $p i32) (param $w0 i32) (param $w1 i32) (param $n i32) (param $z f64)
    (local $vz v128) (local $a v128) (local $q i32) (local $end i32) (local $first i32)
    (local.set $vz (f64x2.splat (local.get $z)))
    (local.set $first (i32.add (local.get $p) (i32.shl (local.get $w0) (i32.const 4))))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $w1) (i32.const 4))))
    (local.set $a (v128.load (local.get $first)))
    (local.set $q (i32.add (local.get $first) (i32.const 16)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $q) (local.get $end)))
        (local.set $a (f64x2.add (v128.load (local.get $q)) (f64x2.mul (local.get $vz) (local.get $a))))
        (v128.store (local.get $q) (local.get $a))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $next)))
    ;; $q: the last element; at the line's end the anti-causal start value replaces it.
    (local.set $q (i32.sub (local.get $end) (i32.const 16)))
    (if (i32.eq (local.get $w1) (local.get $n))
      (then
        (local.set $a
          (f64x2.mul
            (f64x2.add (f64x2.mul (local.get $vz) (v128.load (i32.sub (local.get $q) (i32.const 16)))) (local.get $a))
            (f64x2.splat (f64.div (local.get $z) (f64.sub (f64.mul (local.get $z) (local.get $z)) (f64.const 1))))))
        (v128.store (local.get $q) (local.get $a))))
    (local.set $q (i32.sub (local.get $q) (i32.const 16)))
    (block $done2
      (loop $next2
        (br_if $done2 (i32.lt_s (local.get $q) (local.get $first)))
        (local.set $a (f64x2.mul (local.get $vz) (f64x2.sub (local.get $a) (v128.load (local.get $q)))))
        (v128.store (local.get $q) (local.get $a))
        (local.set $q (i32.sub (local.get $q) (i32.const 16)))
        (br $next2))))

  ;; sampleLines on one pair: outputs [from, to) with taps starts (i32) and weights (4 f64 each),
  ;; line a's to the doubles at $oa, line b's at $ob.
  (func (export "samplePair") (param $p i32) (param $starts i32) (param $weights i32)
    (param $from i32) (param $to i32) (param $oa i32) (param $ob i32)
    (local $o i32) (local $s i32) (local $w i32) (local $v v128)
    (local.set $o (local.get $from))
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $o) (local.get $to)))
        (local.set $s (i32.add (local.get $p)
          (i32.shl (i32.load (i32.add (local.get $starts) (i32.shl (local.get $o) (i32.const 2)))) (i32.const 4))))
        (local.set $w (i32.add (local.get $weights) (i32.shl (local.get $o) (i32.const 5))))
        (local.set $v
          (f64x2.add
            (f64x2.add
              (f64x2.add
                (f64x2.mul (v128.load64_splat (local.get $w)) (v128.load (local.get $s)))
                (f64x2.mul (v128.load64_splat offset=8 (local.get $w)) (v128.load offset=16 (local.get $s))))
              (f64x2.mul (v128.load64_splat offset=16 (local.get $w)) (v128.load offset=32 (local.get $s))))
            (f64x2.mul (v128.load64_splat offset=24 (local.get $w)) (v128.load offset=48 (local.get $s)))))
        (v128.store64_lane 0 (local.get $oa) (local.get $v))
        (v128.store64_lane 1 (local.get $ob) (local.get $v))
        (local.set $oa (i32.add (local.get $oa) (i32.const 8)))
        (local.set $ob (i32.add (local.get $ob) (i32.const 8)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $next))))
)
