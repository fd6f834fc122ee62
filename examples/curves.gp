# Training curves from unet-train's TSV log: loss (left) and validation
# mean IoU (right) per epoch.  gnuplot -e "log='train.tsv'; out='c.png'" curves.gp
set terminal pngcairo size 1000,420 font "sans,10"
set output out
set datafile separator "\t"
set key autotitle columnhead
set multiplot layout 1,2 title "unet-train"
set xlabel "epoch"
set xrange [0:*]
set grid
set title "loss"
plot log using "epoch":"train_loss" with linespoints title "training", \
     log using "epoch":"val_loss" with linespoints title "validation"
set title "accuracy"
set yrange [0:1]
set key top left
plot log using "epoch":"val_miou" with linespoints title "validation mean IoU", \
     log using "epoch":"train_pixel_acc" with linespoints title "training pixel accuracy"
unset multiplot
