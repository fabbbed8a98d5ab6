;; The y pass of the cubic B-spline resize (bspline.ts) on two columns at a time: f64x2, the same
;; IEEE operations in the same order as the JavaScript loops, so the same bits. Pointers are byte
;; addresses in this module's memory: the coefficient rows (doubles) and the output bytes.
;; `n` is even: the caller does an odd last column with the JavaScript loop. The 4-tap sum and the
;; store of two bytes are written out in each loop (V8 does not inline calls between wasm functions).
;; Compiled by scripts/wasm.mjs into ypassWasm.ts (a test checks the two agree).
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
)
