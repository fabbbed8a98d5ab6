;; The intensity step of the model input (intensity.ts, applyIntensityInto) two values per
;; instruction, with f64x2: the same IEEE operations as the JavaScript loops (clipInto,
;; stretchInPlace), so the same bits. Pointers are byte addresses in this module's memory: the
;; source values (float32) and the mapped values (float64, 16-byte aligned). `n` is even: the
;; caller maps an odd last value itself. Compiled by scripts/wasm.mjs into intensityWasm.ts (a
;; test checks the two agree).
(module
  (memory (export "memory") 1)

  ;; out[i] = p ≥ lower ? min(p, upper) : lower (NaN fails p ≥ lower and lands on lower); the
  ;; results' min and max are stored at $range (two doubles).
  (func (export "clip")
    (param $in i32) (param $n i32) (param $lower f64) (param $upper f64) (param $out i32) (param $range i32)
    (local $end i32) (local $p v128) (local $v v128) (local $lo v128) (local $hi v128)
    (local $vlower v128) (local $vupper v128)
    (local.set $vlower (f64x2.splat (local.get $lower)))
    (local.set $vupper (f64x2.splat (local.get $upper)))
    (local.set $lo (f64x2.splat (f64.const inf)))
    (local.set $hi (f64x2.splat (f64.const -inf)))
    (local.set $end (i32.add (local.get $in) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $in) (local.get $end)))
        (local.set $p (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $in))))
        (local.set $v
          (v128.bitselect
            (f64x2.min (local.get $p) (local.get $vupper))
            (local.get $vlower)
            (f64x2.ge (local.get $p) (local.get $vlower))))
        (v128.store (local.get $out) (local.get $v))
        (local.set $lo (f64x2.min (local.get $lo) (local.get $v)))
        (local.set $hi (f64x2.max (local.get $hi) (local.get $v)))
        (local.set $in (i32.add (local.get $in) (i32.const 8)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $next)))
    (f64.store (local.get $range)
      (f64.min (f64x2.extract_lane 0 (local.get $lo)) (f64x2.extract_lane 1 (local.get $lo))))
    (f64.store offset=8 (local.get $range)
      (f64.max (f64x2.extract_lane 0 (local.get $hi)) (f64x2.extract_lane 1 (local.get $hi)))))

  ;; v ← (v − min) / span · 255 over n values at $p.
  (func (export "stretch") (param $p i32) (param $n i32) (param $min f64) (param $span f64)
    (local $end i32) (local $vmin v128) (local $vspan v128) (local $v255 v128)
    (local.set $vmin (f64x2.splat (local.get $min)))
    (local.set $vspan (f64x2.splat (local.get $span)))
    (local.set $v255 (f64x2.splat (f64.const 255)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (local.get $p)
          (f64x2.mul
            (f64x2.div (f64x2.sub (v128.load (local.get $p)) (local.get $vmin)) (local.get $vspan))
            (local.get $v255)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next))))
)
