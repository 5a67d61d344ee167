#!/bin/bash
# fimages/ (scikit-image linked, 12 photograph slots replaced by flattened members),
# fart/ (the 23 ARTWORK paths linked to members), slots.tsv. From families.txt.
set -e
SK=/work/main/.deps/eval-data/skimage/data
rm -rf fimages fart; mkdir -p fimages fart; for f in $SK/*; do ln -s "$f" fimages/; done
PH="astronaut brick camera cell chelsea clock_motion coffee coins color grass gravel ihc"
ART="abstract/Elephants.jpg abstract/Flow.png abstract/Gulp.png abstract/Silk.png abstract/Spring.png abstract/Waves.png desktop/Float-into-MATE.png desktop/GreenTraditional.jpg desktop/MATE-Stripes-Light.png desktop/Stripes.png desktop/Ubuntu-Mate-Warm-no-logo.png nature/Aqua.jpg nature/Blinds.jpg nature/Dune.jpg nature/FreshFlower.jpg nature/Garden.jpg nature/GreenMeadow.jpg nature/LadyBird.jpg nature/RainDrops.jpg nature/Storm.jpg nature/TwoWings.jpg nature/Wood.jpg nature/YellowFlower.jpg"
slots=( $(for p in $PH; do echo fimages/$p.png; done; for a in $ART; do echo fart/$a; done) )
i=0; : > slots.tsv
while IFS=$'\t' read fam path; do s=${slots[$i]}; mkdir -p $(dirname $s); rm -f $s
  if [[ $s == fimages/* ]]; then nice ffmpeg -nostdin -v error -y -i "$path" -filter_complex "[0]scale=w='if(gte(iw,ih),min(1024,iw),-2)':h='if(gte(iw,ih),-2,min(1024,ih))':flags=area,format=rgba,split[a][b];[a]drawbox=c=0x33475b:t=fill[ground];[ground][b]overlay,format=rgb24" $s
  else ln -s "$path" $s; fi
  printf '%s\t%s\t%s\n' "$fam" "$path" "$s" >> slots.tsv; i=$((i+1)); done < families.txt
